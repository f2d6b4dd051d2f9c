"""`ragops fetch` (collectors into the raw store) and `ragops raw` (export and import it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ragops.cli.common import CollectionOption, ProfileOption, app, console, database, errors, fail, settings_for
from ragops.errors import RagopsError

if TYPE_CHECKING:
    from ragops.collect.http import PoliteClient
    from ragops.config import Settings

fetch_app = typer.Typer(help="Collect documents into the raw store; `ragops ingest --from-raw` ingests them.")
app.add_typer(fetch_app, name="fetch")
raw_app = typer.Typer(help="The raw document store.", no_args_is_help=True)
app.add_typer(raw_app, name="raw")


@fetch_app.command("arxiv")
def fetch_arxiv(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="arXiv search, e.g. 'cat:cs.IR AND abs:rag'")
    ] = None,
    id_list: Annotated[str | None, typer.Option("--id-list", help="comma-separated ids: 2401.00001,2401.00002")] = None,
    max_results: Annotated[int, typer.Option("--max", min=1, help="entries at most")] = 100,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="submitted on or after")] = None,
    full_text: Annotated[bool, typer.Option("--full-text", help="also download each PDF's text")] = False,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Fetch arXiv papers (at most one request every 3 s); an interrupted fetch resumes where it stopped."""
    from ragops.collect.arxiv import ArxivFetcher, ArxivQuery, polite_interval

    settings = settings_for(profile)
    ids = tuple(i.strip() for i in (id_list or "").split(",") if i.strip())
    try:
        request = ArxivQuery(search=query, id_list=ids, since=_date(since), max_results=max_results)
    except ValueError as exc:
        fail(exc)
    target = collection or settings.collection
    try:
        with (
            database(settings) as db,
            _polite_client(
                settings, polite_interval(settings.collect.arxiv_url, settings.collect.arxiv_interval_s)
            ) as http,
            _collect_progress() as progress,
        ):
            task = progress.add_task("arxiv", total=None, fetched_bytes=0)
            fetcher = ArxivFetcher(
                db, http, url=settings.collect.arxiv_url, page_size=settings.collect.arxiv_page_size, collection=target
            )
            report = fetcher.fetch(request, full_text=full_text, on_progress=_advancer(progress, task))
    except RagopsError as exc:
        fail(exc)
    resumed = f" (resumed at entry {report.resumed_from})" if report.resumed_from else ""
    console.print(
        f"[bold green]done[/] in {report.seconds:.1f} s{resumed}: {report.entries} entries in {report.pages} pages, "
        f"{report.full_texts} full texts; {report.written} raw records written, {report.unchanged} unchanged. "
        f"Next: ragops ingest --from-raw -c {target}"
    )
    for message in report.errors:
        errors.print(f"[yellow]skipped[/] {message}", highlight=False)


@fetch_app.command("web")
def fetch_web(
    url: Annotated[str, typer.Argument(help="start page, e.g. https://example.org/docs/")],
    depth: Annotated[int, typer.Option(min=0, help="links followed from the start page")] = 2,
    max_pages: Annotated[int, typer.Option(min=1, help="HTML pages at most")] = 200,
    same_domain: Annotated[bool, typer.Option("--same-domain/--any-domain", help="stay on the start host")] = True,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Crawl web pages (robots.txt obeyed, one page a second by default) into the raw store."""
    from ragops.collect.web import CrawlRequest, WebCrawler
    from ragops.ingest.sources.main_content import require_extractor

    settings = settings_for(profile)
    try:
        require_extractor()
        request = CrawlRequest(start_url=url, depth=depth, max_pages=max_pages, same_domain=same_domain)
    except (ValueError, RagopsError) as exc:
        fail(exc)
    target = collection or settings.collection
    try:
        with (
            database(settings) as db,
            _polite_client(settings, settings.collect.web_delay_s) as http,
            _collect_progress() as progress,
        ):
            task = progress.add_task("web", total=max_pages, fetched_bytes=0)
            crawler = WebCrawler(
                db,
                http,
                collection=target,
                max_page_bytes=settings.collect.web_max_page_bytes,
                user_agent=settings.collect.user_agent,
            )
            report = crawler.crawl(request, on_progress=_advancer(progress, task))
    except RagopsError as exc:
        fail(exc)
    console.print(
        f"[bold green]done[/] in {report.seconds:.1f} s: {report.pages} pages, {report.written} raw records written, "
        f"{report.unchanged} unchanged; skipped {report.disallowed} (robots.txt), {report.not_html} not HTML, "
        f"{report.duplicates} duplicates, {len(report.errors)} failed. Next: ragops ingest --from-raw -c {target}"
    )
    for message in report.errors[:20]:
        errors.print(f"[yellow]skipped[/] {message}", highlight=False)


@raw_app.command("export")
def raw_export(
    file: Annotated[Path, typer.Argument(help="JSON lines to write")],
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="only this one (default: all)")] = None,
    profile: ProfileOption = None,
) -> None:
    """Write every raw document version to FILE (JSON lines), for `ragops raw import` elsewhere."""
    from ragops.collect.raw_jsonl import export_raw

    try:
        with database(settings_for(profile)) as db:
            count = export_raw(db, file, collection)
    except (RagopsError, OSError) as exc:
        fail(exc)
    console.print(f"[bold green]exported[/] {count} raw documents to {file}")


@raw_app.command("import")
def raw_import(
    file: Annotated[Path, typer.Argument(help="JSON lines from `ragops raw export`")],
    profile: ProfileOption = None,
) -> None:
    """Add FILE's raw documents to the store; content already there is skipped."""
    from ragops.collect.raw_jsonl import import_raw

    try:
        with database(settings_for(profile)) as db:
            read, written = import_raw(db, file)
    except (RagopsError, OSError) as exc:
        fail(exc)
    console.print(f"[bold green]imported[/] {written} raw documents ({read - written} already stored) from {file}")


def _date(value: datetime | None) -> date | None:
    return value.date() if value else None


@contextmanager
def _polite_client(settings: Settings, interval_s: float) -> Iterator[PoliteClient]:
    from ragops.collect.http import PoliteClient, build_http_client
    from ragops.collect.rate_limit import RateLimiter

    with build_http_client(settings.collect) as client:
        yield PoliteClient(client, RateLimiter(interval_s), settings.collect.retry)


def _advancer(progress: Progress, task: TaskID) -> Callable[[int, int, int], None]:
    """A collector's progress callback: (items, bytes) since the last call, and the items expected."""

    def advance(items: int, size_bytes: int, total: int) -> None:
        progress.update(task, total=total, advance=items)
        progress.update(task, fetched_bytes=progress.tasks[task].fields["fetched_bytes"] + size_bytes)

    return advance


class _RateColumn(ProgressColumn):
    """Items per second since the task started."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        return Text(f"{task.completed / elapsed:.2f} items/s" if elapsed > 0 else "")


def _collect_progress() -> Progress:
    """Items fetched, bytes and rate, on stderr."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("items ·"),
        _BytesColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        console=errors,
    )


class _BytesColumn(ProgressColumn):
    """Bytes fetched: a field, since the task's own total counts items."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.fields.get('fetched_bytes', 0) / 1e6:.2f} MB ·")
