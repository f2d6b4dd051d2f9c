"""What a small LLM adds to an answer that is no part of it: loops that repeat it, and the prompt's format leaking in.

The bundled 135M model repeats a sentence until it runs out of tokens, opens with "Answer:" or "The answer to this
question is:" (twice), restates the question, and goes on to invent the next turn ("Question: ...", "<|im_start|>").
"""

from __future__ import annotations

import re

from ragops.lexical import CITATION_MARKER, content_stems, repeated_ngrams, sentence_spans, strip_markers

NGRAM = 4
# From its first repeated n-gram on, a loop repeats nearly every n-gram: 8 of the next 10 (an 11-word span said
# again, with room for a word changed) are a loop; a term or phrase copied twice from a passage repeats fewer.
LOOP_WINDOW = 10
MIN_LOOP_SHARE = 0.8
# A sentence with 80% of its words and all its content words in one earlier sentence says nothing new
# ("RAG is good. RAG is very good.").
MAX_SENTENCE_OVERLAP = 0.8

_TOKEN = re.compile(r"\w+")
_DANGLING_LIST_MARKER = re.compile(r"\n[ \t]*(?:\d+[.)]|[-*•])\s*$")  # "3." of a list item cut off after it
_SENTENCE_DONE = re.compile(r"[.!?][\"')\]]*\s*$")
# Chat-template tokens of the formats small models learn (ChatML, Llama, Zephyr); never part of an answer.
_TEMPLATE_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|user|>",
    "<|assistant|>",
    "<|system|>",
    "<|eot_id|>",
    "<|start_header_id|>",
    "[INST]",
    "[/INST]",
    "</s>",
)
# A line opening with one of these starts a turn the model invents: the prompt's own labels, and chat roles.
_TURN_LABELS = ("Question:", "Passages:", "Context:", "User:", "Human:", "Assistant:", "System:", "Q:", "### ")
STOP_SEQUENCES: tuple[str, ...] = (*(f"\n{label}" for label in _TURN_LABELS), *_TEMPLATE_TOKENS)

# A turn starts a line, or follows the answer's last sentence on its line; a template token may stand anywhere.
_TURN = re.compile(
    r"(?:^[ \t]*|(?<=[.!?\]])[ \t]+)(?:\*\*)?(?:" + "|".join(re.escape(label) for label in _TURN_LABELS) + ")"
    r"|" + "|".join(re.escape(token) for token in _TEMPLATE_TOKENS),
    re.MULTILINE,
)
_LEADING_TEMPLATE = re.compile(
    r"(?:" + "|".join(re.escape(token) for token in _TEMPLATE_TOKENS) + r")\s*(?:assistant\b)?\s*", re.IGNORECASE
)
# "The answer is 42." is an answer; "The answer is: 42" and "The answer to this question is that 42 ..." are
# framing (SmolLM2-135M writes all three).
_FRAMING = re.compile(
    r"(?:\*\*)?(?:answer|a|assistant|response)\s*:(?:\*\*)?\s*"
    r"|the\s+(?:short\s+)?answer(?:\s+to\s+(?:this|the|your)\s+question)?\s+is\s*(?::|that\b)\s*",
    re.IGNORECASE,
)
_LEADING_QUESTION_LINE = re.compile(r"(?:\*\*)?(?:Question|Q)\s*:[^\n]*\n")
# How a sentence about the question, not an answer to it, begins; a plain statement restating a yes/no question
# ("Dense retrieval uses a dual encoder.") is the answer and stays.
_ABOUT_THE_QUESTION = re.compile(
    r"(?:(?:the|your|this)\s+question\b|you\s+(?:asked|are\s+asking|want\s+to\s+know|wonder)\b|question\s*:)",
    re.IGNORECASE,
)
_QUESTION_FRAMING_STEMS = content_stems("question asked asking ask want know wonder")


def cut_repetition(text: str, n: int = NGRAM, *, window: int = LOOP_WINDOW, min_share: float = MIN_LOOP_SHARE) -> str:
    """The text up to where it starts repeating itself, at a sentence boundary where there is one; else unchanged.

    It repeats itself where a sentence says nothing an earlier one did not (all its content words and
    `MAX_SENTENCE_OVERLAP` of its words are in that one), or where, from a repeated n-gram on, `min_share` of
    `window` n-grams in a row repeat earlier ones.
    """
    cut = _loop_start(text, n, window, min_share, finished=True)
    return text if cut is None else _DANGLING_LIST_MARKER.sub("", text[:cut]).rstrip()


def is_looping(
    text_so_far: str, n: int = NGRAM, *, window: int = LOOP_WINDOW, min_share: float = MIN_LOOP_SHARE
) -> bool:
    """Whether a generation has started to loop, by `cut_repetition`'s rule; cheap enough to ask once per token.

    A last sentence not yet ended by . ! or ? is not compared, since its next words may still make it new.
    """
    return _loop_start(text_so_far, n, window, min_share, finished=False) is not None


def _loop_start(text: str, n: int, window: int, min_share: float, *, finished: bool) -> int | None:
    spans = sentence_spans(text)
    ended = spans if finished or _SENTENCE_DONE.search(text) else spans[:-1]
    starts = [start for start, _ in spans]
    cuts = (_repeated_sentence(text, ended, n), _ngram_loop(text, starts, n, window, min_share))
    return min((cut for cut in cuts if cut is not None), default=None)


def _repeated_sentence(text: str, spans: list[tuple[int, int]], n: int) -> int | None:
    """Start of the first sentence (of n words or more) that one earlier sentence already says."""
    seen: list[tuple[set[str], set[str]]] = []
    for start, end in spans:
        sentence = CITATION_MARKER.sub("", text[start:end])
        tokens = _TOKEN.findall(sentence.lower())
        words, stems = set(tokens), content_stems(sentence)
        if len(tokens) >= n and any(_says_again(words, stems, *earlier) for earlier in seen):
            return start
        seen.append((words, stems))
    return None


def _says_again(words: set[str], stems: set[str], earlier_words: set[str], earlier_stems: set[str]) -> bool:
    # Both: most words alike can still carry a new number ("F1 of 0.74" after "F1 of 0.94"), and the same
    # content words can still say the opposite ("is not good" after "is good").
    return stems <= earlier_stems and len(words & earlier_words) >= MAX_SENTENCE_OVERLAP * len(words)


def _ngram_loop(text: str, sentence_starts: list[int], n: int, window: int, min_share: float) -> int | None:
    """Where the first loop of n-grams begins: its sentence's start, or its first repeat in the first sentence."""
    matches = list(_TOKEN.finditer(text))
    repeats = repeated_ngrams([m[0].lower() for m in matches], n)
    for p in range(len(repeats) - window + 1):
        if repeats[p] and sum(repeats[p : p + window]) >= min_share * window:
            # The words before p hold one copy of what repeats. A sentence that starts well and then loops goes
            # whole, unless it is the first: then the cut at p keeps its one copy.
            position = matches[p].start()
            sentence = max((s for s in sentence_starts if s <= position), default=0)
            return sentence if sentence > 0 else position
    return None


def strip_leakage(text: str, question: str | None = None) -> str:
    """The answer without leaked prompt format: leading framing, a restated question, and any turn it invents after.

    Leading framing is "Answer:", "The answer to this question is:" (however often), chat-template tokens and a
    "Question: ..." line; the question counts as restated when the first sentence ends in "?" or speaks about the
    question ("You asked ...") and has no content word beyond it. Surrounding whitespace is removed.
    """
    previous = None
    while text != previous:  # framing may stand twice, or behind a restated question
        previous = text
        text = text.strip()
        text = _LEADING_TEMPLATE.sub("", text, count=1) if _LEADING_TEMPLATE.match(text) else text
        framing = _FRAMING.match(text)
        text = _capitalised(text[framing.end() :]) if framing else text
        text = _LEADING_QUESTION_LINE.sub("", text, count=1) if _LEADING_QUESTION_LINE.match(text) else text
        text = _without_restated_question(text, question) if question else text
    turn = _TURN.search(text)
    return text if turn is None else text[: turn.start()].rstrip()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]  # "... is that the IRIS framework learns" begins a sentence at "the"


def _without_restated_question(text: str, question: str) -> str:
    spans = sentence_spans(text)
    if not spans:
        return text
    start, end = spans[0]
    first = strip_markers(text[start:end])
    if not (first.endswith("?") or _ABOUT_THE_QUESTION.match(first)):
        return text
    asked = content_stems(question)
    said = content_stems(first) - _QUESTION_FRAMING_STEMS
    return text[end:] if said <= asked else text
