"""Token estimates for remote models, whose tokenizers are not available locally.

Words and punctuation marks stand in for tokens. Subword tokenizers produce more tokens than
words (about 1.3 per English word), so budgets computed from these estimates keep a margin.
"""

from __future__ import annotations

import math
import re

_WORD_OR_MARK = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_TOKENS_PER_WORD = 1.4  # errs high: BPE vocabularies split rare words and numbers into several pieces


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character (start, end) of each word or punctuation mark."""
    return [match.span() for match in _WORD_OR_MARK.finditer(text)]


def estimate_tokens(text: str) -> int:
    """An upper-leaning estimate of a subword tokenizer's count for `text`."""
    return math.ceil(len(_WORD_OR_MARK.findall(text)) * _TOKENS_PER_WORD)
