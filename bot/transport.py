"""Sending the engine's replies: rendered into documents kept with the event (the outbox), then
sent; editing in place, group summaries and their pace, reminders.

What an update makes the bot send is rendered inside the update's transaction (``Transport.seal``)
into parts, each for one chat. Part 0 is what the update's own handler sends: the callback answer and,
in a private chat, its messages; a redelivered update (the process stopped before Telegram had
its confirmation) sends part 0 again from the database. Parts 1.. go through :class:`Lanes`, one
queue per chat: a group's messages (paced by Telegram) and messages to other chats; the chat's
lane reads them from the outbox in the order written and marks each sent once delivered. With
several replicas, one at a time sends to a chat (``bot.replicas``); parts nobody sends (after a
restart, or a replica that is gone) are found by a sweep. See docs/bot.md, "The update pipeline"
and "Replicas".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineQuery, InlineQueryResultArticle, InputFile, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from bot.exports import FileSender
from bot.messages import MessageBuilder
from bot.pipeline import Lanes
from bot.render import Renderer, plain
from bot.replicas import Replica
from conversations.engine import Engine
from conversations.events import Event
from conversations.replies import Outcome, Reply
from conversations.states import CardRef
from reports.jobs import Options
from storage.errors import StorageFull
from storage.files import FileStoreError
from storage.rules import KEEP_PARTS

log = logging.getLogger(__name__)
Document = dict[str, Any]
HTML = ParseMode.HTML.value

INLINE_TITLE = 64
INLINE_DESCRIPTION = 120
INLINE_CACHE_SECONDS = 300
# How far back a restart looks for answers to deliver again (Transport.replay): the outbox keeps
# part 0 this long, and an edited card is worth showing after any outage.
REPLAY_WINDOW = KEEP_PARTS
# An outbox part that refreshes a group's summary (with replicas): the summary is read when it is sent.
REFRESH = json.dumps({"messages": [{"refresh": True}]})


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Origin:
    """Where an update came from, as much as sending its replies needs."""

    chat_id: int
    user_id: int | None
    private: bool
    query_id: str | None = None  # a button press: the callback query to answer
    pressed: int | None = None  # ... and the message its button sits on

    @classmethod
    def of(cls, update: Update) -> Origin:
        chat, user, query = update.effective_chat, update.effective_user, update.callback_query
        chat_id = chat.id if chat is not None else user.id if user is not None else 0
        pressed = query.message.message_id if query is not None and query.message is not None else None
        return cls(chat_id, user.id if user else None, chat is None or chat.type == "private", query.id if query else None, pressed)


def replayable(document: Document) -> bool:
    """Whether delivering this part 0 twice shows the officer the same as once: it only answers the
    button press, refreshes group summaries and edits messages in place, each in one piece (Telegram
    refuses a second answer to a press, and an edit to the same text is "not modified"). Such an
    update is confirmed to Telegram at its commit, before its part 0 is delivered, so the next
    ``getUpdates`` is on its way while the officer's card is edited; a restart after a crash
    delivers the part again unless it was marked delivered (:meth:`Transport.replay`). A part that
    sends a new message waits for its delivery before its update is confirmed, as every update did
    before: sent twice it would show twice."""
    return all("edit" in item and len(item.get("text", ())) == 1 and "file" not in item for item in document.get("messages", ()))


def _markup(item: Document) -> Document | None:
    """The item's inline keyboard as the Bot API takes it, or None."""
    rows = item.get("keyboard")
    if not rows:
        return None
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows]}


async def _api(application: Application, method: str, **params: Any) -> Any:
    """One Bot API call whose result is used as Telegram returns it. PTB's methods turn every result
    into objects (an edited card comes back as a ``Message`` with its ten buttons) and every keyboard
    passed into objects first: for the few calls of an answer that is more CPU than the rest of the
    sending. The call goes through the bot's ``_post``, as PTB's own methods do, so the rate limiter,
    the timeouts and Telegram's errors as exceptions are the same."""
    return await application.bot._post(method, params)


class Transport:
    """Renders an :class:`Outcome` into documents and sends them; keeps group summaries edited in place."""

    def __init__(self, engine: Engine, renderer: Renderer, replica: Replica, summary_seconds: float,
                 options: Options | None = None) -> None:
        self.engine = engine
        self.builder = MessageBuilder(renderer)
        self.replica = replica
        self.summary_every = timedelta(seconds=summary_seconds)  # a group's summary refreshed at most this often
        self.lanes = Lanes()
        # Live cards sent as new messages, by user: their ids are kept with the user's next event.
        self.cards: dict[int, CardRef] = {}
        self._refreshing: set[int] = set()  # groups with a summary refresh waiting in their lane
        self._summaries: dict[int, int] = {}  # summary messages posted since the documents were made
        self._draining: dict[int, asyncio.Future[None]] = {}  # chats whose outbox lane is queued, not yet started
        self.files = FileSender(self.builder, options or Options(), store=engine.files)
        # Polling (bot.pipeline.Ledger.finished): tells the updater an update may be confirmed before
        # its handler returns, once it committed with a replayable part 0. Unset in webhook mode,
        # where Telegram's 200 answers the update only after it finished.
        self.confirm: Callable[[int], None] | None = None

    # --- one update -------------------------------------------------------------------------------

    async def handle(self, event: Event, update: Update, application: Application) -> None:
        """Let the engine handle ``event`` (what is sent is kept in its transaction), then send part 0
        and queue the other parts. Returns when the update may be confirmed to Telegram."""
        origin = Origin.of(update)
        sealed: list[tuple[Outcome, list[tuple[int, Document]]]] = []

        def seal(outcome: Outcome) -> list[tuple[int, str]]:
            parts = self.render(outcome, origin)
            sealed.append((outcome, parts))
            return [(chat_id, json.dumps(document, ensure_ascii=False)) for chat_id, document in parts]

        outcome = await self.engine.handle(event, seal=seal, card=self.cards.pop(event.user.id, None))
        if outcome.repeated:
            await self._again(event.update_id, origin, application)
            return
        # What was sealed is sent only if it is what the engine returned (not when the transaction it
        # was kept in failed and the engine answered otherwise, e.g. "not saved" on a full disk).
        stored = bool(sealed) and sealed[-1][0] is outcome and event.update_id is not None
        parts = sealed[-1][1] if stored else self.render(outcome, origin)
        for chat_id, document in parts[1:]:
            if stored:
                self.drain(chat_id, application)
            else:
                self._queue(chat_id, document, application)
        early: int | None = None  # confirmed now, its part 0 marked delivered once it is
        if self.confirm is not None and stored and event.update_id is not None and parts and replayable(parts[0][1]):
            early = event.update_id
            self.confirm(early)
        if parts:
            await self.deliver(parts[0][1], origin, application)
        if early is not None:
            self.engine.delivered(early)
        self._files(outcome, origin, update, application)

    def _files(self, outcome: Outcome, origin: Origin, update: Update, application: Application) -> None:
        """The files an outcome asks for are made in the background, so a long PDF keeps no one else
        waiting (``bot.exports``). They are not kept in the outbox: a file lost to a crash is asked
        for again with /ekspor."""
        if outcome.prepare and (loading := self.files.preparing()) is not None:
            application.create_task(loading, update=update)
        for job in outcome.files:
            application.create_task(self.files.send(job, origin.chat_id, outcome.lang, application.bot), update=update)

    async def _again(self, update_id: int | None, origin: Origin, application: Application) -> None:
        """A redelivered update: send its part 0 again (parts 1.. are the outbox's, sent at start)."""
        if update_id is None:
            return
        parts = await self.engine.db.read.outbox.parts(update_id, bot_id=self.engine.config.bot_id)
        if parts and parts[0].part == 0:
            log.info("update %s was handled before it was confirmed; its answer is sent again", update_id)
            document = json.loads(parts[0].document)
            await self.deliver(document, origin, application)
            if self.confirm is not None and replayable(document):
                self.engine.delivered(update_id)

    async def replay(self, application: Application) -> int:
        """At start (polling): deliver again the part 0 of updates confirmed at their commit and
        not marked delivered, i.e. handled just before the process stopped without a clean stop.
        Only the newest part 0 of each chat is a candidate: a newer update of the chat started after
        the older one's part 0 was delivered, so that one was. Returns how many were delivered."""
        since = self.engine.clock() - REPLAY_WINDOW
        replayed = 0
        for part in await self.engine.db.read.outbox.undelivered(since, bot_id=self.engine.config.bot_id):
            document = json.loads(part.document)
            if not replayable(document) or part.update_id is None:
                continue  # sends a new message: its update was not confirmed before it was delivered
            edits = [item["edit"] for item in document.get("messages", ())]
            private = part.chat_id > 0  # Telegram's private chats are the users' own ids
            origin = Origin(part.chat_id, part.chat_id if private else None, private, document.get("query"), edits[0] if edits else None)
            try:
                await self.deliver(document, origin, application)
            except NetworkError as exc:  # Telegram out of reach: the next start tries again
                log.warning("the answer to update %s is not delivered again now: %s", part.update_id, exc)
                continue
            except TelegramError as exc:  # refused (the chat blocked the bot...): not tried again
                log.info("the answer to update %s is not delivered again: %s", part.update_id, exc)
            self.engine.delivered(part.update_id)
            replayed += 1
        if replayed:
            log.info("delivered again the answers to %d update(s) handled just before the last stop", replayed)
            await self.engine.keep_delivered()
        return replayed

    def render(self, outcome: Outcome, origin: Origin) -> list[tuple[int, Document]]:
        """The outcome as (chat id, document) parts: part 0 for the update's handler (the callback
        answer, a private chat's messages, summaries to refresh, the card shown before), then one part
        per other chat, a group's own messages among them. [] when there is nothing to send."""
        inline: Document = {}
        if origin.query_id is not None:
            toast = self.builder.renderer.macro("short", outcome.toast, outcome.lang, **outcome.toast_args) if outcome.toast else None
            inline.update(query=origin.query_id, toast=toast)
        if outcome.refresh:
            inline["refresh"] = sorted(outcome.refresh)
        if outcome.card is not None:
            inline["card"] = [outcome.card.chat_id, outcome.card.message_id]
        here: list[Document] = []
        others: dict[int, list[Document]] = {}
        for reply in outcome.replies:
            if reply.summary:
                assert reply.chat_id is not None
                target, item = reply.chat_id, self._summary_item(reply)
            elif reply.chat_id is not None and reply.chat_id != origin.chat_id:
                target, item = reply.chat_id, self._item(reply, reply.lang or outcome.lang)
            else:
                target, item = origin.chat_id, self._item(reply, outcome.lang, edit=origin.pressed if reply.edit else None)
            if target == origin.chat_id and origin.private:
                here.append(item)
            else:
                others.setdefault(target, []).append(item)
        if here:
            inline["messages"] = here
        if not inline and not others:
            return []
        return [(origin.chat_id, inline), *((chat_id, {"messages": items}) for chat_id, items in others.items())]

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

    def _item(self, reply: Reply, lang: str, *, edit: int | None = None) -> Document:
        message = self.builder.build(reply, lang)
        item: Document = {"text": message.chunks}
        if message.keyboard:
            item["keyboard"] = [[[b.text, b.data] for b in row] for row in message.keyboard]
        if edit is not None:
            item["edit"] = edit
        if reply.thread_id is not None:
            item["thread"] = reply.thread_id
        if reply.card:
            item["card"] = True
        if reply.attachment is not None:
            item["file"] = {"sha256": reply.attachment.sha256, "name": reply.attachment.file_name,
                            "missing": self.builder.renderer.macro("short", "evidence_file_missing", lang)}
        return item

    def _summary_item(self, reply: Reply) -> Document:
        """A group is shared, so its summary is always in the default language, whoever refreshed it."""
        text = self.builder.build(reply, self.engine.config.default_language).chunks[0]
        return {"summary": text, "message_id": reply.summary_message_id, "thread": reply.thread_id}

    async def deliver(self, document: Document, origin: Origin, application: Application) -> None:
        """Part 0: this chat's messages and the callback answer side by side, then the group
        summaries to refresh (queued in their lanes). The edited card is what the officer waits for,
        so its request leaves first; the answer (the toast, the button's spinner) no longer waits
        for the edit's response."""
        if "query" in document:
            await asyncio.gather(self._show_here(document, origin, application),
                                 self._answer(document["query"], document.get("toast"), application))
        else:
            await self._show_here(document, origin, application)
        for institution_id in document.get("refresh", ()):
            await self.refresh(institution_id, application)

    async def _answer(self, query_id: str, toast: str | None, application: Application) -> None:
        try:
            await _api(application, "answerCallbackQuery", callback_query_id=query_id, text=toast)
        except BadRequest as exc:  # older than Telegram's limit, or answered before a restart
            log.info("callback query not answered: %s", exc)

    async def _show_here(self, document: Document, origin: Origin, application: Application) -> None:
        previous = CardRef(chat_id=document["card"][0], message_id=document["card"][1]) if "card" in document else None
        for item in document.get("messages", ()):
            message_id, edited = await self._show(origin.chat_id, item, application)
            if item.get("card") and message_id is not None and origin.user_id is not None:
                await self._card_shown(origin.user_id, CardRef(chat_id=origin.chat_id, message_id=message_id), previous,
                                       kept=edited and item.get("edit") == origin.pressed, application=application)

    async def _card_shown(self, user_id: int, card: CardRef, previous: CardRef | None, *, kept: bool, application: Application) -> None:
        """One live card per officer: a card shown in another message takes the buttons off the
        previous one. The engine kept the pressed message as the card already (``kept``); a card sent
        as a new message is kept with the officer's next event."""
        if previous is not None and previous != card:
            try:
                await application.bot.edit_message_reply_markup(previous.chat_id, previous.message_id, reply_markup=None)
            except BadRequest as exc:  # deleted, too old, or already without buttons
                log.info("previous card %s keeps its buttons: %s", previous.message_id, exc)
        if not kept:
            self.cards[user_id] = card

    async def _show(self, chat_id: int, item: Document, application: Application) -> tuple[int | None, bool]:
        """Send (or edit in place) one message, split in chunks; the id of its first message, and
        whether that is the message it was to edit."""
        if "file" in item:
            return await self._show_file(chat_id, item, application), False
        markup = _markup(item)
        chunks: list[str] = item["text"]
        first: int | None = None
        edited = False
        for index, chunk in enumerate(chunks):
            keyboard = markup if index == len(chunks) - 1 else None
            if index == 0 and item.get("edit") is not None:
                try:
                    await _api(application, "editMessageText", chat_id=chat_id, message_id=item["edit"], text=chunk, parse_mode=HTML,
                               reply_markup=keyboard)
                    first, edited = item["edit"], True
                    continue
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        first, edited = item["edit"], True
                        continue
                    log.info("edit failed, sending a new message instead: %s", exc)
            sent = await _api(application, "sendMessage", chat_id=chat_id, text=chunk, parse_mode=HTML, reply_markup=keyboard,
                              message_thread_id=item.get("thread"))
            first = first or sent["message_id"]
        return first, edited

    # --- the lanes: groups, other chats, the outbox -------------------------------------------------

    def _queue(self, chat_id: int, document: Document, application: Application) -> asyncio.Future[None]:
        """Send a part that is not in the outbox (its transaction failed) in its chat's lane."""
        return self.lanes.put(chat_id, lambda: self._send_part(chat_id, document, application))

    async def _send_part(self, chat_id: int, document: Document, application: Application) -> None:
        for item in document["messages"]:
            if "summary" in item:
                await self._show_summary(chat_id, item, application)
            elif item.get("refresh"):
                await self.refresh_chat(chat_id, application)
            else:
                await self.send_elsewhere(chat_id, item, application)

    def drain(self, chat_id: int, application: Application) -> asyncio.Future[None]:
        """Send the chat's outbox parts in its lane, in the order written; done when the lane job has
        run (at once when another replica sends to the chat). One job waits per chat at most: it
        reads the outbox when it starts, so it sends what was written until then."""
        waiting = self._draining.get(chat_id)
        if waiting is None:
            waiting = self._draining[chat_id] = self.lanes.put(chat_id, lambda: self._drain(chat_id, application))
        return waiting

    async def _drain(self, chat_id: int, application: Application) -> None:
        self._draining.pop(chat_id, None)
        if not await self.replica.take_lane(chat_id):
            return  # a live replica sends to this chat, and sends what was written meanwhile too
        sent: set[int] = set()  # a part still unsent after it was sent: its mark failed (a full disk), sent again later
        try:
            while True:
                unsent = await self.engine.db.read.outbox.unsent(bot_id=self.engine.config.bot_id, chat_id=chat_id)
                parts = [part for part in unsent if part.id not in sent]
                if not parts:
                    if await self.replica.drop_lane(chat_id, force=bool(unsent)):
                        return
                    continue  # another replica wrote a part meanwhile and left it to this lane
                for part in parts:
                    await self._send_part(chat_id, json.loads(part.document), application)
                    sent.add(part.id)
                    await self.engine.outbox_sent(part.id)
        except Exception:
            with contextlib.suppress(Exception):  # the parts stay in the outbox: the next sweep sends them
                await self.replica.drop_lane(chat_id, force=True)
            raise

    async def sweep(self, application: Application) -> int:
        """Send the outbox parts nobody is sending: at start, what the outbox had not sent before a
        restart; in webhook mode every few seconds too, what a replica that is gone had not sent."""
        chats = [chat_id for chat_id in await self.replica.waiting_chats() if not self.lanes.busy(chat_id)]
        for chat_id in chats:
            self.drain(chat_id, application)
        if chats:
            log.info("sending the outbox parts kept for %d chat(s)", len(chats))
        return len(chats)

    async def send_elsewhere(self, chat_id: int, item: Document, application: Application) -> None:
        """A message to a chat that is not the sender's (a group, a nudge, a note to an assigned
        officer): its refusal is logged, not the sender's problem (the person may have blocked the bot)."""
        try:
            await self._show(chat_id, item, application)
        except (Forbidden, BadRequest) as exc:
            log.info("could not send to chat %s: %s", chat_id, exc)

    async def close(self) -> None:
        """Stopping: keep the live cards sent as new messages, end the lanes (the outbox keeps what
        they did not send)."""
        await self.lanes.close()
        cards, self.cards = self.cards, {}
        for user_id, card in cards.items():
            await self.engine.remember_card(user_id, card.chat_id, card.message_id)
        await self.engine.keep_delivered()

    async def _show_file(self, chat_id: int, item: Document, application: Application) -> int | None:
        """A kept evidence file, the message its caption; a file gone from the store is said so."""
        file = item["file"]
        assert self.engine.files is not None
        try:
            data = await self.engine.files.get(file["sha256"])
        except FileStoreError as exc:
            log.error("evidence file %s cannot be sent: %s", file["sha256"][:12], exc)
            sent = await _api(application, "sendMessage", chat_id=chat_id, text=file["missing"], parse_mode=HTML,
                              message_thread_id=item.get("thread"))
            return int(sent["message_id"])
        message = await application.bot.send_document(chat_id, InputFile(data, filename=file["name"]), caption=item["text"][0],
                                                      parse_mode=HTML, message_thread_id=item.get("thread"))
        return message.message_id

    # --- group summaries -------------------------------------------------------------------------

    async def _show_summary(self, chat_id: int, item: Document, application: Application) -> None:
        """Show a group's summary: edit its message in place, or post one (and remember it)."""
        text, message_id = item["summary"], self._summaries.get(chat_id, item.get("message_id"))
        if message_id is not None:
            try:
                await _api(application, "editMessageText", chat_id=chat_id, message_id=message_id, text=text, parse_mode=HTML)
                return
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return
                log.info("summary message %s in %s cannot be edited (%s); posting a new one", message_id, chat_id, exc)
            except Forbidden as exc:
                log.info("the bot cannot write in group %s: %s", chat_id, exc)
                return
        try:
            # A new summary in answer to /progres in a topic goes there; edits need no topic.
            sent = await _api(application, "sendMessage", chat_id=chat_id, text=text, parse_mode=HTML, message_thread_id=item.get("thread"))
        except (Forbidden, BadRequest) as exc:
            log.info("the bot cannot write in group %s: %s", chat_id, exc)
            return
        self._summaries[chat_id] = sent["message_id"]
        await self.engine.remember_summary(chat_id, sent["message_id"])

    async def refresh(self, institution_id: int, application: Application) -> None:
        """Bring the institution's group summaries up to date, each at most once per
        ``summary_every`` across every replica (the pace is kept in the database, ``Engine.pace_summary``):
        one refresh waits in the group's lane at most (it reads the latest state when it runs), and a
        change inside the interval is shown by one deferred refresh at its end."""
        now = self.engine.clock()
        for group in await self.engine.db.read.groups.for_institution(institution_id):
            if group.chat_id in self._refreshing:
                continue
            shown = group.summary_shown_at
            if self.summary_every and shown is not None and shown + self.summary_every > now:  # read: not yet, no write
                self._refresh_later(group.chat_id, shown + self.summary_every, now, application)
            else:
                await self._refresh_paced(group.chat_id, now, application)

    async def _refresh_paced(self, chat_id: int, requested: datetime, application: Application) -> None:
        """Claim the group's refresh and queue it, or defer it to the end of the pace's interval; a
        refresh claimed by another replica after ``requested`` shows this change already.

        With replicas the refresh is an outbox part, kept with the claim: the holder of the group's
        lane makes it, in order with the group's other messages, reading the summary when it sends
        it, so two replicas never overtake each other's edits with an older state."""
        outbox = self.replica.shared
        try:
            earliest = await self.engine.pace_summary(chat_id, self.summary_every, keep=REFRESH if outbox else None) \
                if self.summary_every or outbox else None
        except StorageFull as exc:  # the pace is not kept: the summary is refreshed anyway, from here
            log.error("the summary pace of group %s is not kept, the disk is full: %s", chat_id, exc)
            earliest, outbox = None, False
        if earliest is None:
            if outbox:
                self.drain(chat_id, application)
            else:
                self._refreshing.add(chat_id)
                self.lanes.put(chat_id, lambda: self._refresh_now(chat_id, application))
        elif earliest - self.summary_every <= requested:  # claimed before this change: it is not shown yet
            self._refresh_later(chat_id, earliest, requested, application)

    def _refresh_later(self, chat_id: int, at: datetime, requested: datetime, application: Application) -> None:
        name = f"summary:{chat_id}"
        if application.job_queue is not None and not application.job_queue.get_jobs_by_name(name):
            wait = max(0.0, (at - self.engine.clock()).total_seconds())
            application.job_queue.run_once(self._refresh_job, wait, data=(chat_id, requested), name=name)

    async def _refresh_now(self, chat_id: int, application: Application) -> None:
        self._refreshing.discard(chat_id)
        await self.refresh_chat(chat_id, application)

    async def refresh_chat(self, chat_id: int, application: Application) -> None:
        reply = await self.engine.group_summary(chat_id)
        if reply is not None:
            await self._show_summary(chat_id, self._summary_item(reply), application)

    async def _refresh_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, requested = context.job.data  # type: ignore[union-attr, misc]
        if chat_id not in self._refreshing:
            await self._refresh_paced(chat_id, requested, context.application)

    # --- reminders -------------------------------------------------------------------------------

    async def send_reminders(self, application: Application, now: datetime | None = None) -> int:
        """Claim the digests and nudges due now and send them, each in its chat's lane through the
        outbox (the rate limiter paces them); returns how many were claimed, once they are sent (or
        another replica sends to their chats)."""
        chats: list[int] = []

        def seal(replies: list[Reply]) -> list[tuple[int, str]]:
            by_chat: dict[int, list[Document]] = {}
            for reply in replies:
                assert reply.chat_id is not None
                by_chat.setdefault(reply.chat_id, []).append(self._item(reply, reply.lang or self.engine.config.default_language))
            chats[:] = by_chat
            return [(chat_id, json.dumps({"messages": items}, ensure_ascii=False)) for chat_id, items in by_chat.items()]

        replies = await self.engine.due_reminders(now, seal=seal)
        for result in await asyncio.gather(*(self.drain(chat_id, application) for chat_id in chats), return_exceptions=True):
            if isinstance(result, BaseException):
                log.warning("reminder not sent: %s", result)
        return len(replies)
