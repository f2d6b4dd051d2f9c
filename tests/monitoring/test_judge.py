"""Reading grades out of whatever the judge model replied."""

import pytest

from ragops.errors import UnreadableReplyError
from ragops.monitoring.judge import JudgeScores, parse_judge_output


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"groundedness": 5, "relevance": 1}', JudgeScores(1.0, 0.0)),
        ('Sure! Here is my grade:\n```json\n{"groundedness": 4, "relevance": 3}\n```', JudgeScores(0.75, 0.5)),
        ('{"note": "x"} then {"relevance": "2", "groundedness": 3.0}', JudgeScores(0.5, 0.25)),
        ("Groundedness: 2\nRelevance = 5", JudgeScores(0.25, 1.0)),
    ],
)
def test_grades_are_found_and_scaled_to_0_1(reply: str, expected: JudgeScores) -> None:
    assert parse_judge_output(reply) == expected


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "The answer is well grounded.",
        '{"groundedness": 4}',
        '{"groundedness": 7, "relevance": 3}',
        '{"groundedness": NaN, "relevance": 3}',
        '{"groundedness": "high", "relevance": 3}',
        "groundedness: -1, relevance: 3",
    ],
)
def test_unusable_replies_raise_instead_of_guessing(reply: str) -> None:
    with pytest.raises(UnreadableReplyError):
        parse_judge_output(reply)
