"""Prompt templates live as files in prompts/templates/; each carries a version (hash of its text).

A pipeline reads its templates through a PromptLibrary, so a folder of edited templates (a pipeline
config's `prompts.dir`, or a registered version's copy) replaces the built-in ones by name.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ragops.providers.base import ChatMessage

EXAMPLE_SEPARATOR = "\n---\n"  # an examples file alternates user and assistant turns
_PROMPTS = resources.files("ragops.prompts") / "templates"


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    text: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(field for _, field, _, _ in string.Formatter().parse(self.text) if field)

    def render(self, **values: str) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise KeyError(f"prompt {self.name!r} needs {sorted(missing)}")
        return self.text.format(**values)


@cache
def load_prompt(name: str) -> PromptTemplate:
    text = (_PROMPTS / f"{name}.md").read_text(encoding="utf-8")
    return PromptTemplate(name=name, text=text.strip())


def builtin_prompt_names() -> list[str]:
    return sorted(entry.name.removesuffix(".md") for entry in _PROMPTS.iterdir() if entry.name.endswith(".md"))


@cache
def _read_prompt_file(path: Path) -> PromptTemplate:
    return PromptTemplate(name=path.stem, text=path.read_text(encoding="utf-8").strip())


@dataclass(frozen=True)
class PromptLibrary:
    """The templates one pipeline uses: a file `<name>.md` in `directory` overrides the built-in `name`."""

    directory: Path | None = None

    def get(self, name: str) -> PromptTemplate:
        if self.directory is not None and (self.directory / f"{name}.md").is_file():
            return _read_prompt_file(self.directory / f"{name}.md")
        return load_prompt(name)

    def versions(self) -> dict[str, str]:
        """Template name -> version, for every template the library resolves."""
        return {name: self.get(name).version for name in self._names()}

    def export(self, folder: Path) -> None:
        """Write every resolved template to `folder`, which then holds the whole set on its own."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in self._names():
            (folder / f"{name}.md").write_text(self.get(name).text + "\n", encoding="utf-8")

    def _names(self) -> list[str]:
        extra = sorted(p.stem for p in self.directory.glob("*.md")) if self.directory is not None else []
        return sorted({*builtin_prompt_names(), *extra})


BUILTIN_PROMPTS = PromptLibrary()


def example_turns(name: str) -> list[ChatMessage]:
    """Worked examples as earlier turns: small models copy a format shown far better than one described."""
    turns = load_prompt(name).render().split(EXAMPLE_SEPARATOR)
    return [ChatMessage("user" if i % 2 == 0 else "assistant", turn.strip()) for i, turn in enumerate(turns)]
