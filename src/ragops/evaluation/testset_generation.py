"""`ragops eval generate`: seeded chunks -> an LLM writes a question and its reference answer -> filters -> test set.

The gold of each item is the chunk it was written from (and that chunk's document). The same seed samples the
same chunks; with a deterministic model (local llama.cpp at temperature 0) it writes the same test set.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ragops.config import QuestionGenerationSettings
from ragops.errors import ConfigError, ProviderError, UnreadableReplyError
from ragops.evaluation.manifest import TestsetManifest, write_manifest
from ragops.evaluation.question_filters import drop_reason, is_near_duplicate, normalised
from ragops.evaluation.testset import TestItem, chunk_key, items_sha256, save_testset
from ragops.prompts import example_turns, load_prompt
from ragops.providers.base import ChatMessage, ChatModel, Embedder
from ragops.providers.structured_replies import complete_structured, read_fields
from ragops.store.collections import require_collection
from ragops.store.database import Database
from ragops.store.sampling import CorpusFingerprint, SampledChunk, corpus_fingerprint, sample_chunks

log = logging.getLogger(__name__)

MIN_CHUNK_TOKENS = 32  # a shorter chunk (a title, a stub) rarely holds a fact worth a question
PROMPTS = ("testset_question_system", "testset_question_examples", "testset_question_user", "structured_reply_reminder")


@dataclass
class GeneratedTestset:
    collection: str
    seed: int
    requested: int
    corpus: CorpusFingerprint
    generator_model: str
    embedder_model: str
    items: list[TestItem] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> chunks whose question was not kept
    tried: int = 0  # chunks a question was asked for


OnChunk = Callable[[GeneratedTestset], None]


def generate_testset(
    db: Database,
    llm: ChatModel,
    embedder: Embedder,
    *,
    collection: str,
    n: int,
    seed: int,
    settings: QuestionGenerationSettings,
    on_chunk: OnChunk | None = None,
) -> GeneratedTestset:
    """Up to `n` items from chunks sampled by `seed`; fewer when the sample runs out (see `dropped`).

    Raises NotFoundError for an unknown collection, ConfigError for one with nothing to ask about.
    """
    with db.connection() as conn:
        found = require_collection(conn, collection)
        corpus = corpus_fingerprint(conn, found)
        limit = n * settings.candidates_per_item
        chunks = sample_chunks(conn, found, limit=limit, seed=seed, min_tokens=MIN_CHUNK_TOKENS)
    if not chunks:
        raise ConfigError(
            f"collection {collection!r} has no chunk of {MIN_CHUNK_TOKENS}+ tokens to ask about; "
            f"ingest documents with `ragops ingest --collection {collection}`"
        )
    generated = GeneratedTestset(collection, seed, n, corpus, llm.model_id, embedder.model_id)
    seen: set[str] = set()
    kept_embeddings: list[np.ndarray] = []
    for chunk in chunks:
        if len(generated.items) >= n:
            break
        generated.tried += 1
        reason = _add_question(llm, embedder, chunk, settings, generated, seen, kept_embeddings)
        if reason is not None:
            generated.dropped[reason] += 1
        if on_chunk is not None:
            on_chunk(generated)
    return generated


def _add_question(
    llm: ChatModel,
    embedder: Embedder,
    chunk: SampledChunk,
    settings: QuestionGenerationSettings,
    generated: GeneratedTestset,
    seen: set[str],
    kept_embeddings: list[np.ndarray],
) -> str | None:
    """Write a question for `chunk` and keep it, or return why not."""
    try:
        question, answer = _write_question(llm, chunk, settings)
    except UnreadableReplyError as exc:
        log.info("no readable question for %s: %s", chunk_key(chunk.source_id, chunk.ordinal), exc)
        return "unreadable_reply"
    except ProviderError as exc:  # one failed call costs one chunk, not the whole set
        log.warning("the generator failed on %s: %s", chunk_key(chunk.source_id, chunk.ordinal), exc)
        return "model_error"
    reason = drop_reason(question, answer, chunk.text, settings)
    if reason is not None:
        return reason
    if normalised(question) in seen:
        return "duplicate"
    embedding = embedder.embed_query(question)
    if is_near_duplicate(embedding, kept_embeddings, settings.duplicate_similarity):
        return "near_duplicate"
    seen.add(normalised(question))
    kept_embeddings.append(embedding)
    key = chunk_key(chunk.source_id, chunk.ordinal)
    generated.items.append(
        TestItem(
            id=key,
            question=question,
            reference_answer=answer,
            gold_chunks=(key,),
            gold_documents=(chunk.source_id,),
            metadata={"title": chunk.title, "generated_by": llm.model_id},
        )
    )
    return None


def _write_question(llm: ChatModel, chunk: SampledChunk, settings: QuestionGenerationSettings) -> tuple[str, str]:
    messages = [
        ChatMessage("system", load_prompt("testset_question_system").render()),
        *example_turns("testset_question_examples"),
        ChatMessage("user", load_prompt("testset_question_user").render(title=chunk.title, passage=chunk.text)),
    ]
    fields = complete_structured(
        llm,
        messages,
        lambda reply: read_fields(reply, ("question", "answer")),
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        retries=settings.max_attempts - 1,
    )
    return fields["question"], fields["answer"]


def save_generated(
    generated: GeneratedTestset, out: Path | None, *, folder: Path, settings: QuestionGenerationSettings
) -> tuple[Path, TestsetManifest]:
    """Write the JSONL (default name: collection, seed and content hash, so versions never overwrite each other)
    and its manifest beside it."""
    digest = items_sha256(generated.items)
    path = out or folder / f"{generated.collection}-seed{generated.seed}-{digest[:8]}.jsonl"
    save_testset(generated.items, path)
    manifest = TestsetManifest(
        collection=generated.collection,
        corpus_fingerprint=generated.corpus.sha256,
        corpus_chunks=generated.corpus.chunks,
        generator_model=generated.generator_model,
        embedder_model=generated.embedder_model,
        seed=generated.seed,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        content_sha256=digest,
        requested=generated.requested,
        tried=generated.tried,
        kept=len(generated.items),
        dropped=dict(sorted(generated.dropped.items())),
        prompt_versions={name: load_prompt(name).version for name in PROMPTS},
        settings=settings.model_dump(mode="json"),
    )
    write_manifest(manifest, path)
    return path, manifest
