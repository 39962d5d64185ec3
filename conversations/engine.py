"""The conversation engine: an event in, an :class:`Outcome` out. No Telegram import.

Each event is one transaction: the update id is claimed (so a repeated update changes nothing),
the user's position is read, the handler that ``conversations.machine`` routes the event to reads
and writes through the transaction, the position is saved, what the bot will send is kept with it
(``seal``, the outbox), and the transaction commits before the outcome is returned for sending. A
refused event rolls back everything its handler wrote. An event whose route only reads is answered
from the reader connection, without a transaction. The database is the state: a restart, or a
second replica, continues exactly where the user was. A
transaction that concurrent ones got in the way of (PostgreSQL's deadlock or serialisation failure,
``Contention``) was rolled back whole and is run again, a few times.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from conversations import access, evidence, groups, machine, questions, schedule
from conversations import callbacks as cb
from conversations.context import EngineConfig, Turn
from conversations.events import ChatMigrated, Command, Edited, Event, InlineQuery, Press, Text, Upload
from conversations.replies import Outcome, Refusal, Reply, short
from conversations.states import IDLE, CardRef, Position, State
from knowledge.answering import Library
from knowledge.packs import PackRegistry
from storage import errors as store_errors
from storage.files import FileStore, FileStoreError
from storage.repositories import Session, Storage

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5  # runs of one unit of work that met concurrent transactions, before the error is the caller's


async def retried(work: Callable[[], Awaitable[T]], what: str) -> T:
    """``work`` (one transaction), run again while it fails with :class:`Contention`: nothing of a
    failed run was kept, and the next one starts from what the others committed."""
    attempt = 1
    while True:
        try:
            return await work()
        except store_errors.Contention as exc:
            if attempt == ATTEMPTS:
                raise
            attempt += 1
            log.info("%s met a concurrent transaction (%s): run %d of %d", what, exc, attempt, ATTEMPTS)

Seal = Callable[[Outcome], list[tuple[int, str]]]
"""Turns an outcome into what the bot will send for it: (chat id, document) parts, part 0 for the
update's own handler, parts 1.. for the outbox to send; kept in the event's transaction (see
``bot.transport``). An event that only reads needs a transaction only when it has parts 1..."""
ReminderSeal = Callable[[list[Reply]], list[tuple[int, str]]]
"""Turns the replies of the reminders claimed into (chat id, document) parts, all for the outbox."""


class _NeedsWriter(Exception):
    """An event tried on the reader connection turns out to write: it is handled in a transaction."""


def _pressed_card(turn: Turn, outcome: Outcome) -> None:
    """A card that replaces the pressed message makes that message the live card, kept in this
    turn's transaction (a card sent as a new message is kept with the next event, see ``handle``)."""
    event = turn.event
    if isinstance(event, Press) and event.message_id is not None and any(r.card and r.edit for r in outcome.replies):
        card = CardRef(chat_id=event.chat.id, message_id=event.message_id)
        if turn.position.card != card:
            turn.position = turn.position.model_copy(update={"card": card})


def _answer_in_topic(outcome: Outcome, event: Event) -> None:
    """Replies in the chat the event came from go to its forum topic; messages to other chats
    (nudges, notes to an assigned officer) and group summaries refreshed later carry none."""
    if event.chat.thread_id is None:
        return
    for reply in outcome.replies:
        if reply.chat_id is None or reply.chat_id == event.chat.id:
            reply.thread_id = event.chat.thread_id


class Engine:
    def __init__(self, db: Storage, packs: PackRegistry, config: EngineConfig | None = None,
                 clock: Callable[[], datetime] | None = None, files: FileStore | None = None) -> None:
        self.db = db
        self.packs = packs
        self.library = Library(packs)
        self.config = config or EngineConfig()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.files = files  # where evidence files are kept
        self.source: evidence.FileSource | None = None  # where files sent to the bot are downloaded from (the bot sets it)
        # Updates confirmed at their commit whose part 0 has been delivered since: marked so with the
        # next write transaction, whoever's it is (no transaction of their own), see ``delivered``.
        self._delivered: set[int] = set()

    # --- entry points -------------------------------------------------------------------------

    async def handle(self, event: Event, *, seal: Seal | None = None, card: CardRef | None = None) -> Outcome:
        """Handle ``event`` in one transaction and return what to send, already committed.

        ``card`` is the officer's live card when the bot sent it as a new message after the user's
        previous event (its id was unknown in that event's transaction): it is kept in this one.
        ``seal`` renders the outcome into what the bot sends, kept in the same transaction so that an
        update Telegram delivers again is answered as the first time (``Outcome.repeated``).

        On a full disk nothing of the event is stored (not even the update claim, so a redelivery is
        handled afresh) and the user is told it was not saved. An upload kept as evidence has its
        file downloaded and stored first, outside the transaction (:meth:`_fetch`).
        """
        try:
            if isinstance(event, Upload):
                event = await self._fetch(event)
            return await retried(lambda: self._attempt(event, seal, card), f"update {event.update_id} of user {event.user.id}")
        except store_errors.StorageFull as exc:
            log.error("update %s of user %s not saved, the disk is full: %s", event.update_id, event.user.id, exc)
            outcome = Outcome([short("not_saved")], lang=event.user.language)
            _answer_in_topic(outcome, event)
            return outcome

    async def _attempt(self, event: Event, seal: Seal | None, card: CardRef | None) -> Outcome:
        """One run of :meth:`handle`: from the reader when the event's route only reads, else in a transaction."""
        if card is None:
            outcome = await self._read_only(event)
            if outcome is not None:
                return await self._seal_read(event, outcome, seal)
        return await self._handle(event, seal, card)

    async def _claim(self, tx: Session, event: Event) -> bool:
        """Claim the event's update in ``tx``; False for a redelivery of an update handled before."""
        bot, update = self.config.bot_id, event.update_id
        if update is None or await tx.updates.claim(update, bot_id=bot, key=event.update_key):
            return True
        self._skipped(event)
        return False

    def _skipped(self, event: Event) -> None:
        log.warning("update %s of bot %s (user %s) was processed already, a redelivery: skipped",
                    event.update_id, self.config.bot_id, event.user.id)

    async def _seal_read(self, event: Event, outcome: Outcome, seal: Seal | None) -> Outcome:
        """A read-only outcome needs a transaction only for what the outbox sends (parts 1..), kept
        before the update is confirmed; with part 0 alone a redelivery may simply be answered again."""
        update_id = event.update_id
        parts = seal(outcome) if seal is not None and update_id is not None else []
        if len(parts) <= 1 or update_id is None:
            return outcome
        async with self._writing() as tx:
            if not await self._claim(tx, event):
                return Outcome(repeated=True)
            await tx.outbox.put(update_id, parts, bot_id=self.config.bot_id)
        return outcome

    async def _handle(self, event: Event, seal: Seal | None, card: CardRef | None) -> Outcome:
        async with self._writing() as tx:
            if not await self._claim(tx, event):
                return Outcome(repeated=True)
            stored = Position.from_document(event.user.id, await tx.positions.document(event.user.id))
            position = stored if card is None or stored.card == card else stored.model_copy(update={"card": card})
            turn = Turn(event, tx, position, self.packs, self.library, self.config, self.clock(), lang=event.user.language)
            try:
                async with tx.savepoint():
                    outcome = await self._dispatch(turn)
                    _pressed_card(turn, outcome)
                    if turn.position != stored:
                        await tx.positions.save(turn.user_id, turn.position.to_document())
            except Refusal as refusal:
                outcome = Outcome([refusal.reply], toast=refusal.toast)
                if refusal.leave and position.state != State.IDLE:  # an input that can no longer be given
                    position = position.model_copy(update={"step": IDLE})
                if position != stored:
                    await tx.positions.save(position.user_id, position.to_document())
            except store_errors.AnswerLocked as exc:
                outcome = Outcome([short("locked", number=exc.indicator)], toast="toast_refused")
                if position != stored:
                    await tx.positions.save(position.user_id, position.to_document())
            outcome.lang = turn.lang
            outcome.card = position.card
            _answer_in_topic(outcome, event)
            if seal is not None and event.update_id is not None:
                parts = seal(outcome)
                if parts:
                    await tx.outbox.put(event.update_id, parts, bot_id=self.config.bot_id)
        return outcome

    def delivered(self, update_id: int) -> None:
        """The part 0 of ``update_id``, an update confirmed to Telegram at its commit, has been
        delivered: a restart need not deliver it again. Kept in the next write transaction (an
        answer costs no transaction of its own for it), or by :meth:`keep_delivered` at a stop; a
        crash in between only makes the restart deliver it once more, which for such a part shows
        the same as once (``bot.transport``, "replayable")."""
        self._delivered.add(update_id)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[Session]:
        """A write transaction that also keeps the delivery marks noted so far (:meth:`delivered`);
        they are forgotten once it has committed, and kept for the next one if it fails."""
        marks = tuple(self._delivered)
        async with self.db.transaction() as tx:
            if marks:
                await tx.outbox.mark_delivered(marks, self.clock(), bot_id=self.config.bot_id)
            yield tx
        self._delivered.difference_update(marks)

    async def keep_delivered(self) -> None:
        """Mark what :meth:`delivered` noted, in a transaction of its own (stopping); on a full disk
        the marks are lost and a restart delivers those parts once more."""
        if not self._delivered:
            return

        async def mark() -> None:
            async with self._writing():
                pass

        try:
            await retried(mark, "the delivered parts")
        except store_errors.StorageFull as exc:
            log.error("%d delivered parts not marked, the disk is full: %s", len(self._delivered), exc)

    async def _read_only(self, event: Event) -> Outcome | None:
        """The outcome of an event whose route only reads (``read_only`` in the table), from the
        reader connection: no transaction, no claim (answering a redelivered update again changes
        nothing). None when the event needs the writer, also when it turns out to change the position."""
        if isinstance(event, ChatMigrated | Upload | Edited) or not machine.may_read_only(event):
            return None
        read = self.db.read
        position = Position.from_document(event.user.id, await read.positions.document(event.user.id))
        if not machine.reads_only(event, position.state):
            return None
        if event.update_id is not None and await read.updates.seen(event.update_id, bot_id=self.config.bot_id, key=event.update_key):
            self._skipped(event)
            return Outcome(repeated=True)  # handled before, maybe in another state: not read again
        turn = Turn(event, read, position, self.packs, self.library, self.config, self.clock(), lang=event.user.language, read_only=True)
        try:
            outcome = await self._dispatch(turn)
        except Refusal as refusal:
            if refusal.leave and position.state != State.IDLE:
                return None
            outcome = Outcome([refusal.reply], toast=refusal.toast)
        except _NeedsWriter:
            return None
        if turn.position != position:
            return None
        outcome.lang = turn.lang
        outcome.card = position.card
        _answer_in_topic(outcome, event)
        return outcome

    async def _fetch(self, upload: Upload) -> Upload:
        """A file that will be kept as evidence is downloaded and stored *before* the transaction that
        registers it, outside the writer lock: a crash in between leaves a file without a row (swept
        later), never a row without its file. The handler finds the hash, or what failed, in the event."""
        read = self.db.read
        position = Position.from_document(upload.user.id, await read.positions.document(upload.user.id))
        turn = Turn(upload, read, position, self.packs, self.library, self.config, self.clock(), lang=upload.user.language)
        if not await evidence.wanted(turn):
            return upload
        assert upload.file_id is not None
        if self.source is None or self.files is None:
            return dataclasses.replace(upload, fetch_error="unavailable")
        try:
            data = await self.source.download(upload.file_id)
        except evidence.DownloadError as exc:
            log.warning("file of user %s not downloaded (%s): %s", upload.user.id, exc.code, exc)
            return dataclasses.replace(upload, fetch_error=exc.code)
        if len(data) > evidence.MAX_FILE_BYTES:
            return dataclasses.replace(upload, fetch_error="too_big", size=len(data))
        try:
            stored = await self.files.put(data)
        except FileStoreError as exc:
            log.error("evidence file of user %s not kept: %s", upload.user.id, exc)
            return dataclasses.replace(upload, fetch_error=exc.code or "unavailable")
        return dataclasses.replace(upload, sha256=stored.sha256, stored_size=stored.size)

    async def inline(self, event: InlineQuery) -> Outcome:
        """An inline query: answered from the knowledge base through the reader (nothing to store,
        so no transaction and no update claim: answering twice is harmless)."""
        read = self.db.read
        position = Position.from_document(event.user.id, await read.positions.document(event.user.id))
        turn = Turn(event, read, position, self.packs, self.library, self.config, self.clock(), lang=event.user.language)
        outcome = await questions.inline(turn, event.query)
        outcome.lang = turn.lang
        return outcome

    async def remember_card(self, user_id: int, chat_id: int, message_id: int) -> None:
        """Keep the message that is the officer's live card (presses on it edit it in place).
        On a full disk the card is not remembered: the reply was sent, and the next card is sent anew."""
        async def remember() -> None:
            async with self.db.transaction() as tx:
                position = Position.from_document(user_id, await tx.positions.document(user_id))
                card = CardRef(chat_id=chat_id, message_id=message_id)
                if position.card != card:
                    await tx.positions.save(user_id, position.model_copy(update={"card": card}).to_document())

        try:
            await retried(remember, f"the live card of user {user_id}")
        except store_errors.StorageFull as exc:
            log.error("the live card of user %s is not remembered, the disk is full: %s", user_id, exc)

    async def outbox_sent(self, part_id: int) -> None:
        """Mark an outbox part sent (see ``Seal``), so a restart does not send it again (on a full
        disk it stays unmarked and is sent once more later)."""
        async def mark() -> None:
            async with self.db.transaction() as tx:
                await tx.outbox.mark_sent(part_id, self.clock())

        try:
            await retried(mark, f"outbox part {part_id}")
        except store_errors.StorageFull as exc:
            log.error("outbox part %s not marked sent, the disk is full: %s", part_id, exc)

    async def remember_summary(self, chat_id: int, message_id: int) -> None:
        """Keep the id of a group's summary message so later summaries edit it in place (on a full
        disk it is not kept, and the next summary is posted anew)."""
        async def remember() -> None:
            async with self.db.transaction() as tx:
                if await tx.groups.get(chat_id) is not None:
                    await tx.groups.set_summary_message(chat_id, message_id)

        try:
            await retried(remember, f"the summary message of group {chat_id}")
        except store_errors.StorageFull as exc:
            log.error("the summary message of group %s is not remembered, the disk is full: %s", chat_id, exc)

    async def group_summary(self, chat_id: int) -> Reply | None:
        group = await self.db.read.groups.get(chat_id)
        return None if group is None else await groups.summary_reply(self.db.read, self.packs, group, self._local_now())

    def _local_now(self) -> datetime:
        return self.clock().astimezone(ZoneInfo(self.config.timezone))

    async def pace_summary(self, chat_id: int, every: timedelta, *, keep: str | None = None) -> datetime | None:
        """Claim the refresh of a group's summary now, at most one per ``every`` across every replica:
        None when claimed, else the earliest moment the next may come. ``keep``: an outbox document
        kept for the group with the claim, in the same transaction (replicas refresh a summary from
        the group's lane, see ``bot.transport``). Raises ``StorageFull`` on a full disk."""
        async def claim() -> datetime | None:
            async with self.db.transaction() as tx:
                earliest = await tx.groups.pace_summary(chat_id, self.clock(), every) if every else None
                if earliest is None and keep is not None:
                    await tx.outbox.add([(chat_id, keep)], bot_id=self.config.bot_id)
                return earliest

        return await retried(claim, f"the summary's pace of group {chat_id}")

    async def due_reminders(self, now: datetime | None = None, *, seal: ReminderSeal | None = None) -> list[Reply]:
        """The digests and nudges due now, each schedule claimed (see ``conversations.schedule``).

        The digests are built from the reader connection; one transaction then claims each due
        schedule, only if no one claimed it since it was read (another replica sends it then), and
        keeps what the claimed ones send in the outbox (``seal``): a reminder is claimed once across
        replicas and, once claimed, sent at least once (a crash after the claim leaves it in the
        outbox, sent when a replica takes the chat's lane).
        """
        now = now or self.clock()
        due = await schedule.due_reminders(self.db.read, self.packs, now)
        if not due:
            return []

        async def claim() -> list[Reply]:
            replies: list[Reply] = []
            async with self.db.transaction() as tx:
                for item in due:
                    if await tx.reminders.claim(item.schedule.id, item.schedule.last_sent_at, now):
                        replies += item.replies
                parts = seal(replies) if seal is not None and replies else []
                if parts:
                    await tx.outbox.add(parts, bot_id=self.config.bot_id)
            return replies

        return await retried(claim, "the reminders due")

    # --- dispatch through the table -----------------------------------------------------------

    async def _dispatch(self, turn: Turn) -> Outcome:
        event = turn.event
        before = turn.state
        if isinstance(event, ChatMigrated):
            return await groups.migrate(turn, event)
        if isinstance(event, Command):
            outcome, allowed = await self._command(turn, event)
        elif isinstance(event, Press):
            outcome, allowed = await self._press(turn, event)
        else:
            trigger = "text" if isinstance(event, Text) else "edited" if isinstance(event, Edited) else "upload"
            if not isinstance(event, Text | Upload | Edited):
                return Outcome()
            route = machine.input_route(before, trigger)
            outcome, allowed = await route.handler(turn), route.to
        if turn.state != before and turn.state not in allowed:
            raise RuntimeError(f"a handler moved {turn.user_id} from {before} to {turn.state}, which its route does not declare")
        return outcome

    async def _command(self, turn: Turn, command: Command) -> tuple[Outcome, frozenset[State]]:
        if turn.event.user.username:
            if not turn.read_only:
                await turn.tx.members.set_username(turn.user_id, turn.event.user.username)
            elif not await turn.tx.members.username_current(turn.user_id, turn.event.user.username):
                raise _NeedsWriter
        route = machine.COMMANDS.get(command.name)
        if not turn.event.chat.private:
            if route is None or not route.group:
                return Outcome([short("private_only")]), frozenset()
            return await route.handler(turn, command), route.to
        if route is None:
            route = machine.COMMANDS["bantuan"]
        if not route.keeps_step:
            turn.leave()
        return await route.handler(turn, command), route.to | {State.IDLE}

    async def _press(self, turn: Turn, event: Press) -> tuple[Outcome, frozenset[State]]:
        try:
            turn.callback = cb.parse(event.data)
        except cb.CallbackError:
            log.warning("refused callback data %r from user %s", event.data, turn.user_id)
            raise Refusal("stale_button", toast="toast_stale") from None
        press = turn.callback
        route = machine.press_route(turn.state, press.action)
        if not turn.event.chat.private and not route.group:
            raise Refusal("private_only")
        if isinstance(route, machine.PressRoute):
            return await route.handler(turn), route.to
        period, pack = await access.member_period(turn, press.int("period"))
        number = press.fields.get("indicator")
        if isinstance(number, int) and not pack.has_indicator(number):
            raise Refusal("indicator_missing", toast="toast_refused", number=number, total=len(pack.indicators))
        return await route.handler(turn, period, pack), route.to
