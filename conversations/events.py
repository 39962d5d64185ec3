"""What happens in a chat, as plain data: the engine's input. No Telegram types here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChatKind = Literal["private", "group", "supergroup", "channel"]


@dataclass(frozen=True)
class User:
    id: int
    name: str
    language: str = "id"
    username: str | None = None


@dataclass(frozen=True)
class Chat:
    id: int
    kind: ChatKind = "private"
    title: str | None = None
    # The forum topic the event happened in (None: no topic, or a forum's "General"). Replies in this
    # chat go to the same topic.
    thread_id: int | None = None

    @property
    def private(self) -> bool:
        return self.kind == "private"


@dataclass(frozen=True)
class Event:
    user: User
    chat: Chat
    update_id: int | None = None
    # In groups, for the commands that need it: whether the user is an admin of the Telegram group.
    chat_admin: bool | None = None
    # What identifies the update besides its id, which Telegram may reuse in a new sequence: the
    # message ("m:<chat>:<message>", an edit "e:<chat>:<message>:<edit date>") or the callback query
    # ("q:<id>"). None when unknown (the console).
    update_key: str | None = None


@dataclass(frozen=True)
class Command(Event):
    name: str = ""
    args: str = ""
    reply_to: User | None = None  # the author of the message this command replies to


@dataclass(frozen=True)
class ChatMigrated(Event):
    """A group became a supergroup: Telegram gave it a new chat id."""

    old_chat_id: int = 0
    new_chat_id: int = 0


@dataclass(frozen=True)
class Text(Event):
    text: str = ""


@dataclass(frozen=True)
class Edited(Event):
    """The user edited a message sent earlier (``message_id``). An edit is never input: nothing in it is read."""

    message_id: int | None = None


@dataclass(frozen=True)
class InlineQuery(Event):
    """``@bot question`` typed in any chat; ``chat`` is the user's own (inline queries name none)."""

    query: str = ""


@dataclass(frozen=True)
class Press(Event):
    """A button press: ``data`` is the button's callback data, ``message_id`` the message it sits on."""

    data: str = ""
    message_id: int | None = None


@dataclass(frozen=True)
class Upload(Event):
    """Anything that is not text: a document, photo, sticker, voice note, dice, venue, poll...

    ``kind`` names it as Telegram does ("document", "dice", "venue"); content that is no file
    (a dice, a poll, a venue, a contact) has ``file_id`` None.
    """

    kind: str = "document"
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    size: int | None = None
    mime: str | None = None
    caption: str | None = None
    # Set by the engine before the transaction, for a file it keeps as evidence: the stored file's
    # hash and size, or why it could not be kept ("too_big", "failed": the download; "full",
    # "unavailable": the evidence store).
    sha256: str | None = None
    stored_size: int | None = None
    fetch_error: str | None = None
