"""The LLM judge reading grades and verdicts out of whatever the model replied."""

import pytest

from ragops.errors import UnreadableReplyError
from ragops.providers.judge import JUDGE_METRICS, AnswerJudge, JudgeScores, judge_answer, supports_claim
from tests.fakes.chat import ScriptedChatModel


def _judge_reply(reply: str) -> JudgeScores:
    return judge_answer(ScriptedChatModel(lambda _p: reply), question="q?", context="[1] a passage", answer="an answer")


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
    assert _judge_reply(reply) == expected


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
        _judge_reply(reply)


def test_the_judge_reads_only_reference_free_grades_without_a_reference() -> None:
    # given: a reply lacking the grades that need a reference
    model = ScriptedChatModel(lambda _p: '{"faithfulness": 5, "answer_relevance": 5, "context_precision": 3}')
    judge = AnswerJudge(model, max_retries=0)
    # when
    grades = judge.grade(question="q?", passages=["a passage"], answer="an answer", reference=None)
    # then
    assert set(grades) == set(JUDGE_METRICS) - {"context_recall", "answer_correctness"}
    assert "(none given)" in model.prompts[0]
    with pytest.raises(UnreadableReplyError):  # with a reference all five are required
        judge.grade(question="q?", passages=["a passage"], answer="an answer", reference="the reference")


@pytest.mark.parametrize(("reply", "supported"), [("SUPPORTED", True), ("unsupported.", False), ("Maybe", True)])
def test_a_claim_is_unsupported_only_when_the_model_says_so(reply: str, supported: bool) -> None:
    model = ScriptedChatModel(lambda _p: reply)
    assert supports_claim(model, passages="[1] a passage", claim="a claim") is supported
    assert "Claim: a claim" in model.prompts[0]
