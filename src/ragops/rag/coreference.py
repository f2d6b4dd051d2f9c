"""The rules condenser: a follow-up made standalone without an LLM, deterministically, in well under a millisecond.

Two rules, applied only to a question that leans on the conversation (it refers back, leaves its subject out, is
too short to stand alone, or names nothing specific: no capitalised term, acronym or number past its first word):
- references to earlier answers ("it", "they", "that method", "the second paper", "the other one") resolve to the
  documents the previous answer cited: their titles join the query, so both retrievers find them again. Picking one
  of several ("the one that ...", "which of them") looks at the latest answer that showed several;
- the topic carries over: the content words of the earlier questions back to the last self-contained one.
A request for *other* work ("is there something similar ...", "has anyone ...") keeps the topic but not the titles:
it asks for a different document than the ones already shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ragops.lexical import content_stems, content_words
from ragops.types import CitedDocument, Turn

SHORT_QUESTION_STEMS = 4  # a question with this few content words rarely names its subject
MAX_REFERENCED_DOCUMENTS = 3  # more titles drown the follow-up's own words
MAX_CARRIED_QUESTIONS = 2  # topic words come from at most this many earlier questions

_DOCUMENT_NOUN = r"(?:one|ones|paper|papers|study|studies|article|work|approach|method|framework)"
_REFERRING = re.compile(
    r"\b(?:it|its|itself|they|them|their|theirs|these|those)\b"
    r"|\bsuch\b(?!\s+as\b)"
    # "in that approach", "does this": demonstrative; "papers that use": relative, not a reference
    r"|(?:^|\b(?:in|on|of|for|with|from|by|to|about|at|into|than|does|do|did|is|was|are|were|can|has|have)\s+)"
    r"(?:this|that)\b"
    r"|\bthe\s+(?:former|latter|authors|other)\b"
    rf"|\bthe\s+(?:[\w-]+\s+){{0,2}}?{_DOCUMENT_NOUN}\b",
    re.IGNORECASE,
)
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "former": 0, "last": -1, "latter": -1}
_ORDINAL_REFERENCE = re.compile(
    rf"\bthe\s+(first|second|third|fourth|fifth|last)\s+{_DOCUMENT_NOUN}\b|\bthe\s+(former|latter)\b", re.IGNORECASE
)
# Picking one of several documents by a description: "the protein one", "the one that uses ...", "which of them".
_SELECTIVE_REFERENCE = re.compile(
    r"\bthe\s+(?:[\w-]+\s+){1,3}?one\b|\bthe\s+one\s+(?:that|which|with|using|on|for|about|where)\b"
    r"|\bwhich\s+of\s+(?:them|those|these|the\s+\w+)\b",
    re.IGNORECASE,
)
_OTHER_REFERENCE = re.compile(rf"\bthe\s+other\s+{_DOCUMENT_NOUN}\b|\bthe\s+other\b\s*(?:[-:,?]|$)", re.IGNORECASE)
# Opening words of a question that continues the last one: "And the benchmarks?", "What about distribution shift?"
_CONTINUES = re.compile(r"^\s*(?:and|also|but|so|then|what\s+about|how\s+about|what\s+of)\b", re.IGNORECASE)
# Asking for other work than what was shown: the topic stays, the documents already cited do not.
_ASKS_FOR_OTHER_WORK = re.compile(
    r"\b(?:is|are)\s+there\s+(?:any\s+)?(?:other\s+|another\s+|more\s+)?(?:work|works|paper|papers|research|"
    r"something|anything|studies|methods?|approach(?:es)?)\b|\bhas\s+anyone\b|\bhave\s+others\b|\banother\b"
    r"|\bsomething\s+(?:similar|else|like)\b|\banything\s+(?:similar|else|like)\b|\balternatives?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Resolution:
    """What the rules made of a follow-up: the standalone text and the earlier documents it was taken to mean."""

    text: str
    documents: tuple[CitedDocument, ...] = ()
    carried: tuple[str, ...] = ()  # topic words taken from earlier questions

    @property
    def is_changed(self) -> bool:
        return bool(self.documents or self.carried)


def resolve_follow_up(question: str, history: Sequence[Turn]) -> Resolution:
    """The follow-up with its references resolved and its topic carried; unchanged when it stands alone."""
    if not history or not leans_on_history(question):
        return Resolution(question)
    documents = () if _ASKS_FOR_OTHER_WORK.search(question) else referenced_documents(question, history)
    carried = tuple(_carried_words(question, history))
    return Resolution(join_context(question, carried, documents), documents, carried)


def leans_on_history(question: str) -> bool:
    """Whether a question needs the conversation to be understood: it refers back, continues, is short, or names
    nothing specific."""
    return bool(
        _REFERRING.search(question)
        or _CONTINUES.search(question)
        or _ASKS_FOR_OTHER_WORK.search(question)
        or len(content_stems(question)) <= SHORT_QUESTION_STEMS
        or not names_something(question)
    )


def names_something(question: str) -> bool:
    """Whether a question names a specific thing: a word past the first with a capital letter or a digit
    (a method, dataset, model or year), the pronoun "I" aside."""
    return any(word != "I" and any(ch.isupper() or ch.isdigit() for ch in word) for word in question.split()[1:])


def referenced_documents(question: str, history: Sequence[Turn]) -> tuple[CitedDocument, ...]:
    """The documents a follow-up points at: one by its position ("the second paper") or as "the other one" when
    the question says so, else every document the latest answer with sources cited (the first few)."""
    shown = next((turn.documents for turn in reversed(history) if turn.documents), ())
    if _SELECTIVE_REFERENCE.search(question) and len(shown) < 2:  # one of several: the latest answer showing several
        shown = next((turn.documents for turn in reversed(history) if len(turn.documents) > 1), shown)
    ordinal = _ORDINAL_REFERENCE.search(question)
    if ordinal and len(shown) > 1:
        position = _ORDINALS[(ordinal[1] or ordinal[2]).lower()]
        if -len(shown) <= position < len(shown):
            return (shown[position],)
    if _OTHER_REFERENCE.search(question):
        others = _others(history)
        if others:
            return others[:MAX_REFERENCED_DOCUMENTS]
    return tuple(shown[:MAX_REFERENCED_DOCUMENTS])


def _others(history: Sequence[Turn]) -> tuple[CitedDocument, ...]:
    """ "The other one": documents an earlier answer cited that the latest answer did not (the one just discussed)."""
    if len(history) < 2:
        return ()
    latest = {_key(d) for d in history[-1].documents}
    for turn in reversed(history[:-1]):
        others = tuple(d for d in turn.documents if _key(d) not in latest)
        if others:
            return others
    return ()


def _key(document: CitedDocument) -> str:
    return document.source_id or document.title


def _carried_words(question: str, history: Sequence[Turn]) -> list[str]:
    """Content words of the earlier questions, latest first, back to the last one that stood alone."""
    have = content_stems(question)
    carried: list[str] = []
    for turn in list(reversed(history))[:MAX_CARRIED_QUESTIONS]:
        for word in content_words(turn.question):
            stems = content_stems(word)
            if not stems & have:
                carried.append(word)
                have |= stems
        if not leans_on_history(turn.question):
            break  # that question named its subject: nothing before it is needed
    return carried


def join_context(text: str, carried: Sequence[str], documents: Sequence[CitedDocument]) -> str:
    """`text`, then the carried words and the documents' titles it does not contain yet."""
    have = content_stems(text)
    words = [word for word in carried if not content_stems(word) <= have]
    titles = [d.title for d in documents if d.title and d.title.lower() not in text.lower()]
    return " | ".join([text, *([" ".join(words)] if words else []), *titles])
