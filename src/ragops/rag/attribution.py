"""Attribute each sentence of an answer to the passage sentence that supports it, and set its [n] marker to match.

Support is lexical, as in the grounding guard (`LexicalSupport`): the share of a sentence's content-word stems found
in a passage, with the threshold measured there (0.65). It loads no model and costs about a millisecond an
answer, so it can run on every answer, and the guard and the attribution agree on which sentences are supported.
Support is measured against the whole passage, because an answer sentence often joins two of its sentences; the
span given is the passage sentence that shares most of the stems.

The model's marker is kept when it names a passage that supports the sentence (the best of them, if several);
otherwise the best passage's marker replaces it ("changed") or is added ("added"). One marker per sentence: the
attribution names one span. Sentences with no checkable claim (under 4 words, no content word, "the passages do not
cover it") stay, cite nothing and count as supported: there is nothing in them to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ragops.config import DEFAULT_MIN_SUPPORT
from ragops.lexical import (
    NEAR_DUPLICATE,
    CitedSentence,
    cited_sentences,
    content_stems,
    coverage,
    is_claim,
    jaccard,
    sentence_spans,
    strip_markers,
)
from ragops.types import Attribution, AttributionChange

UnsupportedPolicy = Literal["flag", "drop", "replace"]
LEXICAL_MIN_SUPPORT = DEFAULT_MIN_SUPPORT["lexical"]


@dataclass(frozen=True)
class AttributedAnswer:
    text: str  # the final answer: each attributed sentence followed by its one [n] marker
    attributions: tuple[Attribution, ...]  # one per sentence of `text`, in order
    cited: frozenset[int]
    dropped: tuple[str, ...] = ()  # sentences removed from the model's answer (markers removed)


@dataclass(frozen=True)
class _Passage:
    stems: set[str]
    sentences: tuple[tuple[int, int, set[str]], ...]  # (start, end, stems) of each sentence


def attribute_answer(
    text: str,
    passages: Sequence[str],
    *,
    min_support: float = LEXICAL_MIN_SUPPORT,
    unsupported: UnsupportedPolicy = "flag",
    question: str | None = None,
) -> AttributedAnswer:
    """The answer with one checked [n] after each supported sentence, and the passage sentence each one rests on.

    Args:
        min_support: the share of a sentence's content stems one passage must contain to support it.
        unsupported: "flag" keeps an unsupported sentence without a marker (supported False); "drop" removes it
            (listed in `dropped`); "replace" puts in its place, verbatim and cited, the passage sentence sharing most
            of its stems, or drops it when no passage sentence shares one or that one is in the answer already.
        question: a sentence must also be supported without the question's words, since a passage retrieved
            for the question contains them whatever it says ("introduced in 2019" for "When was X introduced?").
    """
    evidence = [_passage(p) for p in passages]
    asked = content_stems(question) if question else set()
    sentences = cited_sentences(text)
    judged: list[Attribution | None] = []  # None: dropped; offsets are set once the text is assembled
    used_spans: set[tuple[int, int, int]] = set()  # (citation, start, end) of passage sentences cited so far
    for sentence in sentences:
        attribution = _judge(sentence, passages, evidence, asked, min_support, unsupported, used_spans)
        if attribution is not None and attribution.citation is not None:
            used_spans.add((attribution.citation, attribution.passage_start, attribution.passage_end))
        judged.append(attribution)
    return _assemble(strip_markers(text), sentences, judged)


def _passage(text: str) -> _Passage:
    sentences = tuple((s, e, content_stems(text[s:e])) for s, e in sentence_spans(text))
    return _Passage(set().union(*(stems for _, _, stems in sentences)), sentences)


def _judge(
    sentence: CitedSentence,
    passages: Sequence[str],
    evidence: Sequence[_Passage],
    asked: set[str],
    min_support: float,
    unsupported: UnsupportedPolicy,
    used_spans: set[tuple[int, int, int]],
) -> Attribution | None:
    unmarked: AttributionChange = "removed" if sentence.cited else "none"
    stems = content_stems(sentence.text)
    if not is_claim(sentence.text) or not stems:
        return _attribution(sentence.text, None, (0, 0), 1.0, unmarked)
    # Without the question's words too, so that the question only makes the check stricter; a restated question
    # has no other words, and their coverage (1.0, nothing to check) leaves the first.
    supports = [min(coverage(stems, p.stems), coverage(stems - asked, p.stems)) for p in evidence]
    own = [n for n in sentence.cited if 1 <= n <= len(passages) and supports[n - 1] >= min_support]
    if own:
        n = max(own, key=lambda n: supports[n - 1])
        return _attribution(sentence.text, n, _best_span(stems, evidence[n - 1]), supports[n - 1], "kept")
    # The first of equals, so the lower number; 0 when there is no passage at all.
    best = max(range(1, len(passages) + 1), key=lambda n: supports[n - 1], default=0)
    support = supports[best - 1] if best else 0.0
    span = _best_span(stems, evidence[best - 1]) if best else (0, 0)
    if best and support >= min_support:
        return _attribution(sentence.text, best, span, support, "changed" if sentence.cited else "added")
    if unsupported == "flag":
        return _attribution(sentence.text, None, (0, 0), support, unmarked, supported=False)
    if unsupported == "replace" and span != (0, 0) and (best, *span) not in used_spans:
        verbatim = strip_markers(passages[best - 1][span[0] : span[1]])  # its own "[12]" would read as our citation
        return _attribution(verbatim, best, span, 1.0, "replaced")
    return None


def _attribution(
    sentence: str,
    citation: int | None,
    span: tuple[int, int],
    support: float,
    corrected: AttributionChange,
    *,
    supported: bool = True,
) -> Attribution:
    return Attribution(sentence, 0, 0, citation, span[0], span[1], support, supported, corrected)


def _best_span(stems: set[str], passage: _Passage) -> tuple[int, int]:
    """The passage sentence sharing most of the stems (the first of equals); (0, 0) when none shares any."""
    best, span = 0.0, (0, 0)
    for start, end, sentence_stems in passage.sentences:
        share = coverage(stems, sentence_stems)
        if share > best:
            best, span = share, (start, end)
    return span


def _assemble(clean: str, sentences: Sequence[CitedSentence], judged: Sequence[Attribution | None]) -> AttributedAnswer:
    parts: list[str] = []
    attributions = []
    length = 0
    last: int | None = None  # index of the last sentence kept
    for i, attribution in enumerate(judged):
        if attribution is None:
            continue
        # The layout after the last kept sentence (a space, a paragraph break) stays; a dropped one takes its own.
        gap = "" if last is None else clean[sentences[last].end : sentences[last + 1].start]
        start = length + len(gap)
        attributions.append(replace(attribution, start=start, end=start + len(attribution.sentence)))
        marker = "" if attribution.citation is None else f" [{attribution.citation}]"
        parts.append(gap + attribution.sentence + marker)
        length += len(parts[-1])
        last = i
    cited = frozenset(a.citation for a in attributions if a.citation is not None)
    dropped = tuple(s.text for s, a in zip(sentences, judged, strict=True) if a is None)
    return AttributedAnswer("".join(parts), tuple(attributions), cited, dropped)


def fill_answer(kept: AttributedAnswer, extra: AttributedAnswer, *, max_sentences: int) -> AttributedAnswer:
    """`kept`'s sentences, then `extra`'s that say something new, up to `max_sentences` in all; text rebuilt."""
    chosen = list(kept.attributions)
    seen = [content_stems(a.sentence) for a in chosen]
    for attribution in extra.attributions:
        if len(chosen) >= max_sentences:
            break
        stems = content_stems(attribution.sentence)
        if all(jaccard(stems, earlier) < NEAR_DUPLICATE for earlier in seen):
            chosen.append(attribution)
            seen.append(stems)
    return _joined(chosen, kept.dropped)


def _joined(attributions: Sequence[Attribution], dropped: tuple[str, ...]) -> AttributedAnswer:
    """One text from attributed sentences: each followed by its marker, offsets recomputed."""
    parts: list[str] = []
    placed = []
    length = 0
    for attribution in attributions:
        start = length + (1 if parts else 0)
        marker = f" [{attribution.citation}]" if attribution.citation is not None else ""
        parts.append(attribution.sentence + marker)
        placed.append(replace(attribution, start=start, end=start + len(attribution.sentence)))
        length = start + len(parts[-1])
    cited = frozenset(a.citation for a in placed if a.citation is not None)
    return AttributedAnswer(" ".join(parts), tuple(placed), cited, dropped)
