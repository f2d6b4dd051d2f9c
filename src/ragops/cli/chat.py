"""`ragops chat`: a conversation in the terminal, stored like the API's, so that it can be resumed by id."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ragops.cli.common import CollectionOption, ProfileOption, app, console, fail, settings_for
from ragops.cli.render import print_sources, print_stream
from ragops.errors import RagopsError

if TYPE_CHECKING:
    from ragops.services.conversations import ConversationService
    from ragops.types import Answer

HELP = "/new starts a new conversation, /sources shows the last answer's sources, /exit leaves"


@app.command()
def chat(
    resume: Annotated[str | None, typer.Option("--resume", help="continue the conversation with this id")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Talk with the knowledge base: follow-ups are understood in the light of the conversation so far."""
    from ragops.runtime import open_runtime
    from ragops.services.conversations import ConversationService

    settings = settings_for(profile)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime:
            # A terminal is its user's own: its conversations have no API-key owner.
            service = ConversationService(runtime.db, runtime.pipeline(), settings)
            if resume:
                thread = service.get(resume, owner=None)
                conversation = thread.conversation
                for message in thread.messages:
                    speaker = "you" if message.role == "user" else "ragops"
                    console.print(f"[bold]{speaker}>[/] {escape(message.text)}", highlight=False)
            else:
                conversation = service.create(owner=None, collection=collection)
            console.print(f"[dim]conversation {conversation.id} on {conversation.collection} · {HELP}[/]")
            last: Answer | None = None
            while True:
                try:
                    line = console.input("[bold]you>[/] ").strip()
                except (EOFError, KeyboardInterrupt):
                    break
                if not line:
                    continue
                if line in ("/exit", "/quit"):
                    break
                if line == "/new":
                    conversation, last = service.create(owner=None, collection=conversation.collection), None
                    console.print(f"[dim]new conversation {conversation.id}[/]")
                elif line == "/sources":
                    if last is None:
                        console.print("[dim]no answer yet in this conversation[/]")
                    else:
                        print_sources(last)
                elif line.startswith("/"):
                    console.print(f"[yellow]unknown command {escape(line)}[/]: {HELP}")
                else:
                    last = _answer(service, conversation.id, line) or last
            console.print(f"[dim]resume with: ragops chat --resume {conversation.id}[/]")
    except RagopsError as exc:
        fail(exc)


def _answer(service: ConversationService, conversation_id: str, question: str) -> Answer | None:
    """One turn: the answer as it is written, the query retrieval ran on when it differs, the cited sources."""
    console.print("[bold]ragops>[/] ", end="")
    try:
        answer = print_stream(service.stream(conversation_id, question, owner=None, request_id=uuid.uuid4().hex))
    except RagopsError as exc:  # this turn failed; the conversation goes on
        console.print(f"\n[red]{escape(str(exc))}[/]")
        return None
    if answer.condensed is not None and answer.condensed.text != question:
        console.print(f"[dim]searched for: {escape(answer.condensed.text)} ({answer.condensed.strategy})[/]")
    for citation in answer.citations:
        if citation.cited:
            console.print(
                f"[dim]\\[{citation.number}] {escape(citation.title)} {citation.uri or ''}[/]", highlight=False
            )
    return answer
