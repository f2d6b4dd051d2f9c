"""A folder (or single file) of Markdown and plain-text documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ragops.errors import IngestError
from ragops.types import SourceDocument

SOURCE = "files"
SUFFIXES = (".md", ".markdown", ".txt")


def read_text_files(root: Path) -> Iterator[SourceDocument | IngestError]:
    """Every .md/.txt file under `root`; unreadable or non-UTF-8 files yield an IngestError."""
    base = root.parent if root.is_file() else root
    for path in text_file_paths(root):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield IngestError(f"cannot read: {exc.strerror}", str(path))
            continue
        text = decode_text(raw, str(path))
        if isinstance(text, IngestError):
            yield text
            continue
        relative = file_source_id(path, base)
        yield SourceDocument(
            source=SOURCE,
            source_id=relative,
            title=markdown_title(text, path.stem),
            text=text,
            uri=path.resolve().as_uri(),
            metadata={"path": relative, "bytes": len(raw)},
        )


def text_file_paths(root: Path) -> list[Path]:
    """The files `read_text_files` reads: `root` itself, or every .md/.txt file under it, sorted."""
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [p for p in paths if p.suffix.lower() in SUFFIXES]


def file_source_id(path: Path, base: Path) -> str:
    """A file's document id: its path relative to the folder given, so the folder can move."""
    return path.relative_to(base).as_posix()


def decode_text(raw: bytes, where: str) -> str | IngestError:
    """UTF-8 text with something in it, or the reason it is not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return IngestError("not UTF-8 text; convert it (e.g. `iconv -t utf-8`) and ingest again", where)
    if "\x00" in text:
        return IngestError("looks binary (NUL bytes), not Markdown or text", where)
    if not text.strip():
        return IngestError("empty file", where)
    return text


def markdown_title(text: str, stem: str) -> str:
    """The first Markdown heading, else the file name."""
    for line in text.splitlines()[:20]:
        if line.startswith("# "):
            return line[2:].strip()
    return stem.replace("_", " ").replace("-", " ")
