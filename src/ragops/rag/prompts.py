"""Prompt templates live as files in rag/prompts/; each carries a version (hash of its text)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ragops.providers.base import ChatMessage

EXAMPLE_SEPARATOR = "\n---\n"  # an examples file alternates user and assistant turns
_PROMPTS = resources.files("ragops.rag") / "prompts"


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


def prompt_versions() -> dict[str, str]:
    """name -> version of every template, for recording what an evaluated pipeline was prompted with."""
    names = sorted(entry.name.removesuffix(".md") for entry in _PROMPTS.iterdir() if entry.name.endswith(".md"))
    return {name: load_prompt(name).version for name in names}


def example_turns(name: str) -> list[ChatMessage]:
    """Worked examples as earlier turns: small models copy a format shown far better than one described."""
    turns = load_prompt(name).render().split(EXAMPLE_SEPARATOR)
    return [ChatMessage("user" if i % 2 == 0 else "assistant", turn.strip()) for i, turn in enumerate(turns)]
