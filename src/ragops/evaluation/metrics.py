"""Per-item metric functions; average them yourself.

Ranking metrics follow the standard (trec_eval / BEIR) definitions: `ranking` is the retrieved ids best first,
`relevant` maps id -> graded relevance (> 0 is relevant). Text metrics compare lower-cased word tokens.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

_WORD = re.compile(r"\w+")


def ndcg_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """DCG@k / ideal DCG@k with linear gains: sum of rel_i / log2(i + 1), i from 1."""
    ideal = sorted((r for r in relevant.values() if r > 0), reverse=True)[:k]
    ideal_dcg = sum(r / math.log2(i + 1) for i, r in enumerate(ideal, start=1))
    if ideal_dcg == 0:
        return 0.0
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 1) for i, doc in enumerate(ranking[:k], start=1))
    return dcg / ideal_dcg


def recall_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {doc for doc, r in relevant.items() if r > 0}
    if not wanted:
        return 0.0
    return len(wanted.intersection(ranking[:k])) / len(wanted)


def mrr_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant id within the top k; 0 when there is none."""
    for rank, doc in enumerate(ranking[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hit_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """1 when any relevant id is within the top k, else 0."""
    return float(any(relevant.get(doc, 0) > 0 for doc in ranking[:k]))


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, underscore)."""
    return _WORD.findall(text.lower())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style F1 over word tokens: harmonic mean of the shared-token precision and recall."""
    predicted, expected = Counter(words(prediction)), Counter(words(reference))
    overlap = sum((predicted & expected).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


# A metric whose name contains one of these improves as it falls; the rest (scores in 0-1) improve as they rise.
_LOWER_IS_BETTER_WORDS = ("latency", "refusal", "cost", "tokens", "failures", "repetition", "leakage")


def lower_is_better(metric: str) -> bool:
    return any(word in metric for word in _LOWER_IS_BETTER_WORDS)
