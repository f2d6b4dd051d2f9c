from __future__ import annotations

import pytest

from ragops.rag.degeneration import STOP_SEQUENCES, cut_repetition, is_looping, strip_leakage

LOOP = "RAG combines multiple retrieval methods into a single output."
NORMAL_ANSWERS = [
    "Dense retrieval encodes questions and passages with a dual encoder [1]. BM25 scores terms [2].",
    "Retrieval-augmented generation (RAG) retrieves passages first [1]. Then retrieval-augmented generation (RAG) "
    "conditions the model on them [2].\n\nIn short: the answer rests on the passages.",
    "The model reached an F1 score of 0.94 [1]. A smaller model reached an F1 score of 0.81 [2].",
    "BM25 is fast [1]. BM25 is not fast on long queries, and it needs an inverted index [2].",
    "The question answering model answers questions about papers [1]. Users ask questions in English [2].",
    "The passages do not cover training costs.",
    "The answer is 42 [1].",  # framing needs "is:" or "is that"
    "",
]


@pytest.mark.parametrize("answer", NORMAL_ANSWERS)
def test_normal_answers_pass_through_unchanged(answer: str) -> None:
    assert cut_repetition(answer) == answer
    assert not is_looping(answer)
    assert strip_leakage(answer, "How does retrieval-augmented generation answer questions?") == answer


def test_a_repeated_sentence_is_cut_before_its_first_repeat() -> None:
    looping = f"{LOOP} {LOOP} {LOOP} RAG combines multiple retrieval methods"
    assert cut_repetition(looping) == LOOP
    assert is_looping(looping)


def test_a_near_repeat_saying_nothing_new_is_cut_too() -> None:
    # the last sentence repeats all but "their": 6 of its 7 words, every content word
    said = "Dense retrieval is fast [1]. It ranks passages by cosine similarity [1]."
    assert cut_repetition(f"{said} It ranks passages by their cosine similarity.") == said


def test_a_loop_inside_a_sentence_is_cut_at_that_sentence() -> None:
    loop = "and then it retrieves the passages " * 4
    answer = f"RAG has two stages [1]. First it embeds the question {loop}"
    assert cut_repetition(answer) == "RAG has two stages [1]."


def test_a_loop_in_the_first_sentence_keeps_one_copy_of_what_repeats() -> None:
    answer = "RAG combines retrieval and generation" + " and generation" * 10
    assert cut_repetition(answer) == "RAG combines retrieval and generation"


def test_a_phrase_said_again_is_no_loop() -> None:
    # 7 repeated 4-grams in a row ("the cosine similarity of their vectors to the question vector"): under 8 of 10
    answer = (
        "Passages are ranked by the cosine similarity of their vectors to the question vector [1]. "
        "A reranker then reads the question and each passage again and scores the cosine similarity of their "
        "vectors to the question vector once more with a cross encoder [2]."
    )
    assert cut_repetition(answer) == answer


def test_a_streaming_generation_is_looping_once_a_repeated_sentence_ends() -> None:
    # given: tokens arriving one word at a time
    words = f"{LOOP} {LOOP} {LOOP}".split()
    # when
    stopped = next(i for i in range(1, len(words) + 1) if is_looping(" ".join(words[:i])))
    # then: the 9 words of the first copy and the 9 of the second
    assert stopped == 18
    assert cut_repetition(" ".join(words[:stopped])) == LOOP


def test_a_streaming_loop_without_sentences_stops_once_8_of_10_four_grams_repeat() -> None:
    words = ("RAG combines retrieval and generation" + " and generation" * 20).split()
    stopped = next(i for i in range(1, len(words) + 1) if is_looping(" ".join(words[:i])))
    # the 4-gram at 5 repeats the one at 3; 4-grams 5..14 must exist: 14 + 4 words
    assert stopped == 18
    assert cut_repetition(" ".join(words[:stopped])) == "RAG combines retrieval and generation"


def test_an_unfinished_last_sentence_is_not_yet_a_repeat_while_streaming() -> None:
    partial = "Dense retrieval uses a dual encoder. Dense retrieval uses a"
    assert not is_looping(partial)
    assert is_looping(partial + " dual encoder.")


def test_a_real_smollm2_loop_keeps_what_it_said_once() -> None:
    # SmolLM2-135M-Instruct, greedy, on the answer prompt over two arXiv abstracts: "What method is proposed?"
    said = (
        "The method proposed in the document is a variant of the Accelerator policy proposed in the paper. "
        "It is a variant of the Accelerator policy that is designed to promote exploration and reduce exploration time."
    )
    again = (
        " The method is designed to be a variant of the Accelerator policy that is designed to promote exploration"
        " and reduce exploration time."
    )
    assert cut_repetition(said + again + again) == said
    assert is_looping(said + again)


def test_a_list_item_repeating_an_earlier_one_goes_with_its_number() -> None:
    item = "The main result is that fine-tuning with preferences improves the initial policy."
    answer = f"1. RL is a powerful tool for learning.\n\n2. {item}\n\n3. {item}\n\n4. {item}"
    assert cut_repetition(answer) == f"1. RL is a powerful tool for learning.\n\n2. {item}"


def test_repeated_framing_is_stripped() -> None:
    text = "The answer to this question is: The answer to this question is: X is Y [1]."
    assert strip_leakage(text) == "X is Y [1]."


@pytest.mark.parametrize(
    ("leaked", "clean"),
    [
        ("Answer: BM25 scores terms [1].", "BM25 scores terms [1]."),
        ("The answer is: BM25 scores terms [1].", "BM25 scores terms [1]."),
        ("The answer to this question is that the IRIS model learns [1].", "The IRIS model learns [1]."),
        ("**Answer:** BM25 scores terms [1].", "BM25 scores terms [1]."),
        ("<|im_start|>assistant\nBM25 scores terms [1].<|im_end|>", "BM25 scores terms [1]."),
        ("BM25 scores terms [1].\nQuestion: What is Z?\nAnswer: Z is W.", "BM25 scores terms [1]."),
        ("BM25 scores terms [1]. Question: What is Z? Answer: Z is W.", "BM25 scores terms [1]."),
        ("BM25 scores terms [1].\n\nUser: thanks!\nAssistant: You are welcome.", "BM25 scores terms [1]."),
        ("BM25 scores terms [1].\n### Passages:\n[1] BM25 ...", "BM25 scores terms [1]."),
        ("BM25 scores terms [1].[INST] Tell me more [/INST]", "BM25 scores terms [1]."),
        (
            "Question: How does BM25 score?\nAnswer: BM25 scores terms [1].\nQuestion: And dense?",
            "BM25 scores terms [1].",
        ),
        ("Question: How does BM25 score passages?", ""),
    ],
)
def test_leaked_prompt_format_is_removed(leaked: str, clean: str) -> None:
    assert strip_leakage(leaked) == clean


@pytest.mark.parametrize(
    "restated",
    [
        "How does BM25 score passages?",
        "You asked how BM25 scores passages.",
        "The question is how BM25 scores passages [1].",
    ],
)
def test_a_restated_question_is_dropped(restated: str) -> None:
    answer = f"{restated} BM25 scores terms by frequency [1]."
    assert strip_leakage(answer, "How does BM25 score passages?") == "BM25 scores terms by frequency [1]."


def test_a_statement_of_the_question_s_words_is_an_answer_and_stays() -> None:
    # For a yes/no question, restating it as a statement is the answer.
    answer = "Dense retrieval uses a dual encoder [1]."
    assert strip_leakage(answer, "Does dense retrieval use a dual encoder?") == answer


def test_a_question_with_words_beyond_the_asked_one_stays() -> None:
    answer = "How does BM25 handle long documents? It normalises by length [1]."
    assert strip_leakage(answer, "How does BM25 score passages?") == answer


def test_stop_sequences_cover_invented_turns_and_template_tokens() -> None:
    assert {"\nQuestion:", "\nUser:", "<|im_start|>", "<|im_end|>", "<|endoftext|>"} <= set(STOP_SEQUENCES)
    # every stop sequence, once generated, is removed by strip_leakage
    for stop in STOP_SEQUENCES:
        assert strip_leakage(f"BM25 scores terms [1].{stop} more") == "BM25 scores terms [1]."
