"""Turning a Telegram update into the engine's plain event (the only place that reads updates)."""

from __future__ import annotations

import dataclasses

from telegram import InlineQuery, Message, Update
from telegram.constants import ChatMemberStatus, MessageAttachmentType
from telegram.ext import ContextTypes

from bot.render import language_of
from conversations import events as ev

COMMAND_ALIASES = {"start": "start", "help": "bantuan", "cancel": "batal", "ask": "tanya", "summary": "ringkasan", "progress": "progres",
                   "export": "ekspor", "charts": "grafik", "plan": "rencana"}
# Group commands that need to know whether the sender administers the Telegram group.
ADMIN_COMMANDS = {"hubungkan", "putuskan"}
# Every kind of message content that is not text, most specific first: PTB's list (the one
# Message.effective_attachment goes through) with two changes. A venue also carries its location, so
# it is named first. A live photo also carries its still photo, which is kept as a photo (bukti dukung).
# A successful payment is a service message, not content. Beyond PTB's list: checklists and giveaways.
_FIRST = ("venue", "photo")
ATTACHMENTS = (
    *_FIRST,
    *(kind.value for kind in MessageAttachmentType if kind.value not in {*_FIRST, "successful_payment"}),
    "checklist", "giveaway", "giveaway_winners",
)


def is_anonymous_admin(message: Message | None) -> bool:
    """A group admin posting anonymously: Telegram shows the group itself as the sender."""
    return message is not None and message.sender_chat is not None and message.sender_chat.id == message.chat.id


def topic_of(message: object) -> int | None:
    """The forum topic a message is in; None outside topics (in a forum's "General" too, and for a
    thread of replies in an ordinary group, whose message_thread_id is no topic)."""
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


def _user(user) -> ev.User:
    return ev.User(user.id, user.full_name, language_of(user.language_code), user.username)


def update_key(update: Update) -> str | None:
    """What identifies ``update`` besides its id (which Telegram may reuse when it starts a new
    sequence): the callback query's id, or the message's chat and id (an edit: and its edit date)."""
    if update.callback_query is not None:
        return f"q:{update.callback_query.id}"
    if update.edited_message is not None:
        edited = update.edited_message
        return f"e:{edited.chat_id}:{edited.message_id}:{int(edited.edit_date.timestamp()) if edited.edit_date else ''}"
    if update.message is not None:
        return f"m:{update.message.chat_id}:{update.message.message_id}"
    return None


async def to_event(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ev.Event | None:
    """The plain event for an update, or None for updates the bot ignores."""
    event = await _to_event(update, context)
    return None if event is None else dataclasses.replace(event, update_key=update_key(update))


async def _to_event(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ev.Event | None:
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if chat is None:
        return None
    # For a button press, the message is the one the button sits on: its topic is where to answer.
    where = ev.Chat(chat.id, chat.type, chat.title, topic_of(message))  # type: ignore[arg-type]
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        old, new = (chat.id, message.migrate_to_chat_id) if message.migrate_to_chat_id else (message.migrate_from_chat_id, chat.id)
        who = _user(user) if user else ev.User(0, "Telegram")
        return ev.ChatMigrated(who, where, update.update_id, old_chat_id=old, new_chat_id=new)
    if user is None:
        return None
    who = _user(user)
    if update.edited_message is not None:  # never input, whatever it now says
        return ev.Edited(who, where, update.update_id, message_id=update.edited_message.message_id)
    if update.callback_query is not None:
        query = update.callback_query
        message_id = query.message.message_id if query.message else None
        return ev.Press(who, where, update.update_id, data=query.data or "", message_id=message_id)
    if message is None:
        return None
    if message.text is not None:
        return await _text_event(message, who, where, update.update_id, context)
    for kind in ATTACHMENTS:
        attachment = getattr(message, kind, None)
        if attachment:
            item = attachment[-1] if isinstance(attachment, tuple) else attachment  # a photo: its largest size
            return ev.Upload(  # a dice, a poll, a venue... have no file: file_id None
                who, where, update.update_id, kind=kind,
                file_id=getattr(item, "file_id", None), file_unique_id=getattr(item, "file_unique_id", None),
                file_name=getattr(item, "file_name", None), size=getattr(item, "file_size", None),
                mime=getattr(item, "mime_type", None), caption=message.caption,
            )
    return None


async def _text_event(message: Message, who: ev.User, where: ev.Chat, update_id: int, context: ContextTypes.DEFAULT_TYPE) -> ev.Event:
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if not (text.startswith("/") and entity and entity.type == "bot_command" and entity.offset == 0):
        return ev.Text(who, where, update_id, text=text)
    # Telegram marks the command itself ("/loncat" or "/loncat@bot"); the arguments are the rest,
    # whatever whitespace (a space, a newline) separates them. Newlines inside them are kept.
    head = message.parse_entity(entity)
    args = text[len(head):]
    name = head[1:].split("@")[0].lower()
    name = COMMAND_ALIASES.get(name, name)
    replied = message.reply_to_message.from_user if message.reply_to_message else None
    reply_to = _user(replied) if replied and not replied.is_bot else None
    chat_admin = None
    if not where.private and name in ADMIN_COMMANDS:
        member = await context.bot.get_chat_member(where.id, who.id)
        chat_admin = member.status in {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}
    return ev.Command(who, where, update_id, chat_admin=chat_admin, name=name, args=args.strip(), reply_to=reply_to)


def inline_event(query: InlineQuery) -> ev.InlineQuery:
    """An inline query names no chat: the event is set in the user's own private chat, which is
    where their institution (and so their framework) is known."""
    who = _user(query.from_user)
    return ev.InlineQuery(who, ev.Chat(who.id, "private"), None, query=query.query)
