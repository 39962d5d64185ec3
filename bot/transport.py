"""Sending the engine's replies through the bot: rendering, editing in place, group pacing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.messages import MessageBuilder, RenderedMessage
from bot.render import Renderer, plain
from conversations.engine import Engine
from conversations.replies import Outcome, Reply
from conversations.states import CardRef
from storage.files import FileStoreError

log = logging.getLogger(__name__)
INLINE_TITLE = 64
INLINE_DESCRIPTION = 120
INLINE_CACHE_SECONDS = 300


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class GroupPacer:
    """At most one summary edit per ``interval`` seconds per group (groups allow ~20 messages a minute)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[int, float] = {}

    def wait(self, chat_id: int) -> float:
        """Seconds until the group's summary may be edited again (0: now)."""
        last = self._last.get(chat_id)
        return 0.0 if last is None else max(0.0, last + self.interval - self.clock())

    def mark(self, chat_id: int) -> None:
        self._last[chat_id] = self.clock()


class Transport:
    """Renders an :class:`Outcome` and sends it; keeps group summaries edited in place."""

    def __init__(self, engine: Engine, renderer: Renderer, pacer: GroupPacer) -> None:
        self.engine = engine
        self.builder = MessageBuilder(renderer)
        self.pacer = pacer

    @staticmethod
    def _markup(message: RenderedMessage) -> InlineKeyboardMarkup | None:
        if not message.keyboard:
            return None
        return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in message.keyboard])

    async def deliver(self, outcome: Outcome, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            toast = self.builder.renderer.macro("short", outcome.toast, outcome.lang, **outcome.toast_args) if outcome.toast else None
            try:
                await query.answer(toast)
            except BadRequest as exc:  # a query older than Telegram's limit cannot be answered any more
                log.info("callback query not answered: %s", exc)
        chat, user = update.effective_chat, update.effective_user
        here = chat.id if chat else user.id  # type: ignore[union-attr]
        for reply in outcome.replies:
            if reply.summary:
                await self.summary(reply, context.application)
            elif reply.chat_id is not None and reply.chat_id != here:
                await self.send_elsewhere(reply, reply.lang or outcome.lang, context.application)
            else:
                sent = await self._send(reply, outcome.lang, here, query.message if query and reply.edit else None, context.application)
                if reply.card and sent is not None and user is not None:
                    await self._keep_card(outcome.card, sent, user.id, context.application)
        for institution_id in outcome.refresh:
            await self.refresh(institution_id, context.application)

    async def _keep_card(self, stored: CardRef | None, sent: Message, user_id: int, application: Application) -> None:
        """One live card per officer: a card sent anew takes the buttons off the previous one."""
        card = CardRef(chat_id=sent.chat_id, message_id=sent.message_id)
        if card == stored:
            return
        if stored is not None:
            try:
                await application.bot.edit_message_reply_markup(stored.chat_id, stored.message_id, reply_markup=None)
            except BadRequest as exc:  # deleted, too old, or already without buttons
                log.info("previous card %s keeps its buttons: %s", stored.message_id, exc)
        await self.engine.remember_card(user_id, card.chat_id, card.message_id)

    async def answer_inline(self, outcome: Outcome, query: InlineQuery) -> None:
        """Each reply as an article: its first line the title, the next ones the description, the
        message itself (its first 4096 characters) what is sent into the chat."""
        results = []
        for index, reply in enumerate(outcome.replies):
            text = self.builder.build(reply, outcome.lang).chunks[0]
            lines = [line.strip() for line in plain(text).splitlines() if line.strip()]
            results.append(InlineQueryResultArticle(
                id=str(index), title=_cut(lines[0], INLINE_TITLE), description=_cut(" ".join(lines[1:3]), INLINE_DESCRIPTION),
                input_message_content=InputTextMessageContent(text),
            ))
        try:  # personal: the framework is the user's institution's
            await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True)
        except BadRequest as exc:  # the query expired (Telegram allows a few seconds)
            log.info("inline query not answered: %s", exc)

    async def send_elsewhere(self, reply: Reply, lang: str, application: Application) -> None:
        """A message to another chat (a nudge, a note to an assigned officer): its failure is logged,
        not the sender's problem (the person may have blocked the bot)."""
        try:
            await self._send(reply, lang, reply.chat_id, None, application)  # type: ignore[arg-type]
        except (Forbidden, BadRequest) as exc:
            log.info("could not send to chat %s: %s", reply.chat_id, exc)

    async def _send(self, reply: Reply, lang: str, chat_id: int, editable: Any, application: Application) -> Message | None:
        if reply.attachment is not None:
            return await self._send_file(reply, lang, chat_id, application)
        message = self.builder.build(reply, lang)
        markup = self._markup(message)
        last = len(message.chunks) - 1
        first: Message | None = None
        for index, chunk in enumerate(message.chunks):
            keyboard = markup if index == last else None
            if index == 0 and isinstance(editable, Message):
                try:
                    edited = await editable.edit_text(chunk, reply_markup=keyboard)
                    first = edited if isinstance(edited, Message) else editable
                    continue
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        first = editable
                        continue
                    log.info("edit failed, sending a new message instead: %s", exc)
            sent = await application.bot.send_message(chat_id, chunk, reply_markup=keyboard, message_thread_id=reply.thread_id)
            first = first or sent
        return first

    async def _send_file(self, reply: Reply, lang: str, chat_id: int, application: Application) -> Message | None:
        """A kept evidence file, the message its caption; a file gone from the store is said so."""
        attachment = reply.attachment
        assert attachment is not None and self.engine.files is not None
        caption = self.builder.build(reply, lang).chunks[0]
        try:
            data = await self.engine.files.get(attachment.sha256)
        except FileStoreError as exc:
            log.error("evidence file %s cannot be sent: %s", attachment.sha256[:12], exc)
            text = self.builder.renderer.macro("short", "evidence_file_missing", lang)
            return await application.bot.send_message(chat_id, text, message_thread_id=reply.thread_id)
        return await application.bot.send_document(chat_id, InputFile(data, filename=attachment.file_name), caption=caption,
                                                   message_thread_id=reply.thread_id)

    # --- group summaries -------------------------------------------------------------------------

    async def summary(self, reply: Reply, application: Application) -> None:
        """Show a group's summary: edit its message in place, or post one (and remember it).

        A group is shared, so its summary is always in the default language, whoever refreshed it.
        """
        chat_id = reply.chat_id
        assert chat_id is not None
        text = self.builder.build(reply, self.engine.config.default_language).chunks[0]
        if reply.summary_message_id is not None:
            try:
                await application.bot.edit_message_text(text, chat_id, reply.summary_message_id)
                self.pacer.mark(chat_id)
                return
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return
                log.info("summary message %s in %s cannot be edited (%s); posting a new one", reply.summary_message_id, chat_id, exc)
            except Forbidden as exc:
                log.info("the bot cannot write in group %s: %s", chat_id, exc)
                return
        try:
            # A new summary in answer to /progres in a topic goes there; edits need no topic.
            sent = await application.bot.send_message(chat_id, text, message_thread_id=reply.thread_id)
        except (Forbidden, BadRequest) as exc:
            log.info("the bot cannot write in group %s: %s", chat_id, exc)
            return
        self.pacer.mark(chat_id)
        await self.engine.remember_summary(chat_id, sent.message_id)

    async def refresh(self, institution_id: int, application: Application) -> None:
        """Bring the institution's group summaries up to date, each at the pace its group allows."""
        for group in await self.engine.db.read.groups.for_institution(institution_id):
            wait = self.pacer.wait(group.chat_id)
            if wait <= 0:
                await self.refresh_chat(group.chat_id, application)
            elif application.job_queue is not None:
                name = f"summary:{group.chat_id}"
                if not application.job_queue.get_jobs_by_name(name):
                    application.job_queue.run_once(self._refresh_job, wait, data=group.chat_id, name=name)

    async def refresh_chat(self, chat_id: int, application: Application) -> None:
        reply = await self.engine.group_summary(chat_id)
        if reply is not None:
            await self.summary(reply, application)

    async def _refresh_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.refresh_chat(context.job.data, context.application)  # type: ignore[union-attr, arg-type]

    # --- reminders -------------------------------------------------------------------------------

    async def send_reminders(self, application: Application, now: Any = None) -> int:
        """Send the digests and nudges due now, one after another (the rate limiter paces them)."""
        replies = await self.engine.due_reminders(now)
        for reply in replies:
            try:
                await self.send_elsewhere(reply, reply.lang or self.engine.config.default_language, application)
            except TelegramError as exc:
                log.warning("reminder to %s not sent: %s", reply.chat_id, exc)
        return len(replies)
