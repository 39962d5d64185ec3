"""What the engine answers, as plain data: the transport renders and sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conversations.states import CardRef
from reports.snapshot import Snapshot


@dataclass(frozen=True)
class Button:
    """An inline button: ``label`` names a macro of the ``buttons`` template, ``args`` fill it."""

    label: str
    data: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (the message is its caption): the evidence file kept under ``sha256``."""

    sha256: str
    file_name: str


@dataclass
class Reply:
    """One message. ``view`` is a template name, or ``"short:<macro>"`` for a one-line message.

    ``edit`` asks to replace the message the pressed button sits on (or the stored card); ``card``
    marks the message as the officer's indicator card, whose id the engine keeps.
    """

    view: str
    data: dict[str, Any] = field(default_factory=dict)
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False
    card: bool = False
    chat_id: int | None = None
    # The group's progress summary: edit the message ``summary_message_id`` in place, else send one.
    summary: bool = False
    summary_message_id: int | None = None
    lang: str | None = None  # for messages to someone else than the sender (nudges)
    # The forum topic to send in: set by the engine on replies in the chat the event came from.
    thread_id: int | None = None
    attachment: Attachment | None = None


@dataclass
class FileJob:
    """A file to make from ``snapshot`` (a ``reports.jobs`` format, or the charts) and to send to
    ``chat_id`` (None: the chat of the event). The transport makes it a step at a time, showing the
    progress; when the chat cannot be written (a private delivery to someone who never opened a
    chat with the bot), it says so in ``fallback_chat``."""

    kind: str
    snapshot: Snapshot
    chat_id: int | None = None
    thread_id: int | None = None
    fallback_chat: int | None = None


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None  # macro name of the short text shown when a button press is answered
    toast_args: dict[str, Any] = field(default_factory=dict)
    lang: str = "id"
    # Institutions whose group summaries should show this change (the transport paces the edits).
    refresh: set[int] = field(default_factory=set)
    # The officer's live card before this event: a card shown in another message replaces it (its
    # buttons are taken off).
    card: CardRef | None = None
    files: list[FileJob] = field(default_factory=list)  # made and sent after the replies
    prepare: bool = False  # files are about to be asked for (the /ekspor menu): load the renderers meanwhile
    # The update was handled before (Telegram delivered it again): nothing was done now; what was
    # sent for it is in the outbox.
    repeated: bool = False

    def add(self, reply: Reply) -> Outcome:
        self.replies.append(reply)
        return self


def short(macro: str, **data: Any) -> Reply:
    return Reply(view=f"short:{macro}", data=data)


class Refusal(Exception):
    """The event cannot be acted on; ``reply`` says why and what to do next. Nothing it wrote is
    stored; with ``leave`` the awaited input ends too (it can no longer be given)."""

    def __init__(self, macro: str, toast: str = "toast_refused", *, leave: bool = False, **data: object) -> None:
        super().__init__(macro)
        self.reply = short(macro, **data)
        self.toast = toast
        self.leave = leave
