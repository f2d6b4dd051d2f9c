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
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    base = root.parent if root.is_file() else root
    for path in paths:
        if path.suffix.lower() not in SUFFIXES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            yield IngestError("not UTF-8 text; convert it (e.g. `iconv -t utf-8`) and ingest again", str(path))
            continue
        except OSError as exc:
            yield IngestError(f"cannot read: {exc.strerror}", str(path))
            continue
        if "\x00" in text:
            yield IngestError("looks binary (NUL bytes), not Markdown or text", str(path))
            continue
        if not text.strip():
            yield IngestError("empty file", str(path))
            continue
        relative = path.relative_to(base).as_posix()
        yield SourceDocument(
            source=SOURCE,
            source_id=relative,
            title=_title(text, path),
            text=text,
            uri=path.resolve().as_uri(),
            metadata={"path": relative, "bytes": path.stat().st_size},
        )


def _title(text: str, path: Path) -> str:
    """The first Markdown heading, else the file name."""
    for line in text.splitlines()[:20]:
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("_", " ").replace("-", " ")
