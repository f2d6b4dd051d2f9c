"""Reading grades and fields out of what small models actually reply, and asking again when nothing reads."""

from __future__ import annotations

import pytest

from ragops.errors import UnreadableReplyError
from ragops.providers.base import ChatMessage
from ragops.providers.structured_replies import complete_structured, json_objects, read_fields, read_grades
from tests.fakes.chat import ScriptedChatModel

KEYS = ("faithfulness", "answer_relevance")
ASK = [ChatMessage("user", "Grade it.")]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"faithfulness": 5, "answer_relevance": 1}', {"faithfulness": 1.0, "answer_relevance": 0.0}),
        # prose and a code fence around it, keys in another order and case, a grade as text
        (
            'Sure!\n```json\n{"Answer Relevance": "3", "FAITHFULNESS": 4}\n```',
            {"faithfulness": 0.75, "answer_relevance": 0.5},
        ),
        # trailing comma, curly quotes, "4/5"
        (
            "{\u201cfaithfulness\u201d: \u201c4/5\u201d, \u201canswer_relevance\u201d: 2,}",
            {"faithfulness": 0.75, "answer_relevance": 0.25},
        ),
        # Python-style single quotes
        ("{'faithfulness': 2, 'answer_relevance': 2.5}", {"faithfulness": 0.25, "answer_relevance": 0.375}),
        # the grades nested one level down, after an unrelated object
        (
            '{"note": "ok"} {"grades": {"faithfulness": 1, "answer_relevance": 5}}',
            {"faithfulness": 0.0, "answer_relevance": 1.0},
        ),
        # cut off by max_tokens, but both grades are there
        ('{"faithfulness": 4, "answer_relevance": 3', {"faithfulness": 0.75, "answer_relevance": 0.5}),
        # no JSON at all: labelled numbers
        ("**Faithfulness**: 3\nAnswer-relevance = 5", {"faithfulness": 0.5, "answer_relevance": 1.0}),
    ],
)
def test_grades_are_read_from_ugly_replies(reply: str, expected: dict[str, float]) -> None:
    assert read_grades(reply, KEYS) == pytest.approx(expected)


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "The answer is faithful and relevant.",
        '{"faithfulness": 4}',  # one grade missing
        '{"faithfulness": 6, "answer_relevance": 3}',  # off the 1-5 scale
        '{"faithfulness": 0, "answer_relevance": 3}',
        '{"faithfulness": NaN, "answer_relevance": 3}',
        '{"faithfulness": "high", "answer_relevance": 3}',
        '{"faithfulness": true, "answer_relevance": 3}',
        '{"faithfulness": 4, "answer_rel',  # cut off by max_tokens
    ],
)
def test_unusable_grades_raise_instead_of_guessing(reply: str) -> None:
    with pytest.raises(UnreadableReplyError):
        read_grades(reply, KEYS)


@pytest.mark.parametrize(
    "reply",
    [
        '{"question": "What does Trove load on the fly?", "answer": "Retrieval datasets."}',
        'Here you go: {"Question": "What does Trove load on the fly?", "Answer": "Retrieval datasets.",}',
        'Question: What does Trove load on the fly?\nAnswer: "Retrieval datasets.",',
    ],
)
def test_fields_are_read_from_json_or_labelled_lines(reply: str) -> None:
    assert read_fields(reply, ("question", "answer")) == {
        "question": "What does Trove load on the fly?",
        "answer": "Retrieval datasets.",
    }


def test_empty_fields_do_not_count() -> None:
    with pytest.raises(UnreadableReplyError, match="answer"):
        read_fields('{"question": "What is BM25?", "answer": ""}', ("question", "answer"))


def test_braces_inside_strings_do_not_break_objects() -> None:
    found = list(json_objects('x {"a": "a } brace", "b": {"c": 1}} y'))
    assert found[0] == {"a": "a } brace", "b": {"c": 1}}
    assert {"c": 1} in found


def test_an_unreadable_reply_is_asked_again_with_a_reminder() -> None:
    # given: a model that garbles its first reply
    replies = iter(["I think it is good.", '{"faithfulness": 5, "answer_relevance": 4}'])
    model = ScriptedChatModel(lambda _prompt: next(replies))
    # when
    grades = complete_structured(
        model, ASK, lambda text: read_grades(text, KEYS), max_tokens=32, temperature=0.0, retries=2
    )
    # then: the second call showed the reminder as the last user turn
    assert grades == {"faithfulness": 1.0, "answer_relevance": 0.75}
    assert len(model.prompts) == 2 and "could not be read" in model.prompts[1]


def test_retries_run_out_with_the_last_error() -> None:
    replies = iter(["no grades here", "still none", "none at all"])
    model = ScriptedChatModel(lambda _prompt: next(replies))
    with pytest.raises(UnreadableReplyError, match="still none"):
        complete_structured(model, ASK, lambda text: read_grades(text, KEYS), max_tokens=32, temperature=0.0, retries=1)
    assert len(model.prompts) == 2


def test_fields_of_a_reply_cut_off_by_max_tokens_still_read() -> None:
    reply = '{"question": "How does SDM scale linear attention?", "answer": "By sparse \\"reads\\".", "expl'
    assert read_fields(reply, ("question", "answer")) == {
        "question": "How does SDM scale linear attention?",
        "answer": 'By sparse "reads".',
    }


def test_a_repeated_unreadable_reply_ends_the_retries() -> None:
    # greedy decoding gives the same reply to the same prompt: a third attempt would change nothing
    model = ScriptedChatModel(lambda _prompt: "no grades here")
    with pytest.raises(UnreadableReplyError):
        complete_structured(model, ASK, lambda text: read_grades(text, KEYS), max_tokens=32, temperature=0.0, retries=5)
    assert len(model.prompts) == 2
