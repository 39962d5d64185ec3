"""The conversation engine: an event in, an :class:`Outcome` out. No Telegram import.

Each event is one transaction: the update id is claimed (so a repeated update changes nothing),
the user's position is read, the handler reads and writes through the transaction, the position
is saved, and the transaction commits before the outcome is returned for sending. The database
is the state: a restart, or a second replica, continues exactly where the user was.

The handlers live in modules named for what they do (``walkthrough``, ``team``, ``groups``,
``assignments``, ``schedule``, ``locking``, ``periods``, ``questions``, ``evidence``); this module
routes events to them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from conversations import access, assignments, evidence, groups, locking, periods, questions, schedule, team
from conversations import callbacks as cb
from conversations import walkthrough as wt
from conversations.context import EngineConfig, Turn
from conversations.events import ChatMigrated, Command, Edited, Event, Press, Text, Upload
from conversations.replies import Button, Outcome, Refusal, Reply, short
from knowledge.answering import Library
from knowledge.models import Pack
from knowledge.packs import PackRegistry
from storage import errors as store_errors
from storage.models import Period

log = logging.getLogger(__name__)

Handler = Callable[[Turn, Command], Awaitable[Outcome]]


def _sync(function: Callable[[Turn, Command], Outcome]) -> Handler:
    async def handler(turn: Turn, command: Command) -> Outcome:
        return function(turn, command)

    return handler


async def _help(turn: Turn, command: Command) -> Outcome:
    return Outcome([Reply("help")])


async def _ask(turn: Turn, command: Command) -> Outcome:
    return await questions.ask(turn, command.args)


# Commands that work in groups; every other command is for private chat only.
GROUP_COMMANDS: dict[str, Handler] = {
    "tanya": _ask,
    "bantuan": _help,
    "start": _help,
    "progres": groups.progress_command,
    "hubungkan": groups.link,
    "putuskan": groups.unlink,
    "tugaskan": assignments.assign,
    "tenggat": schedule.deadlines,
    "pengingat": schedule.reminder_setting,
    "kunci": locking.lock,
    "buka": locking.reopen,
}


def _answer_in_topic(outcome: Outcome, event: Event) -> None:
    """Replies in the chat the event came from go to its forum topic; messages to other chats
    (nudges, notes to an assigned officer) and group summaries refreshed later carry none."""
    if event.chat.thread_id is None:
        return
    for reply in outcome.replies:
        if reply.chat_id is None or reply.chat_id == event.chat.id:
            reply.thread_id = event.chat.thread_id


def _edited(turn: Turn) -> Outcome:
    """An edit of an earlier message is never input: nothing is stored and the position stays.
    In private chat the user is told to send the correction as a new message; groups get no reply."""
    return Outcome([short("edit_not_read")]) if turn.event.chat.private else Outcome()


class Engine:
    def __init__(self, db, packs: PackRegistry, config: EngineConfig | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.packs = packs
        self.library = Library(packs)
        self.config = config or EngineConfig()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.private_commands: dict[str, Handler] = {
            **GROUP_COMMANDS,
            "start": self._start,
            "mulai": self._continue,
            "ringkasan": self._summary,
            "daftar": self._list,
            "loncat": self._jump,
            "batal": _sync(self._cancel),
            "undang": team.invite,
            "anggota": team.members,
            "gabung": team.join_command,
            "instansi_baru": _sync(team.new_institution),
            "periode": periods.choose,
            "penjelasan": periods.explanation_setting,
            "tugas": assignments.my_tasks,
            "riwayat": locking.history,
        }

    # --- entry points -------------------------------------------------------------------------

    async def handle(self, event: Event) -> Outcome:
        async with self.db.transaction() as tx:
            if event.update_id is not None and not await tx.updates.claim(event.update_id):
                log.info("update %s was already processed; skipped", event.update_id)
                return Outcome()
            position = await tx.positions.get(event.user.id)
            turn = Turn(event, tx, position, self.packs, self.library, self.config, self.clock(), lang=event.user.language)
            try:
                outcome = await self._dispatch(turn)
            except Refusal as refusal:
                outcome = Outcome([refusal.reply], toast=refusal.toast)
            except store_errors.AnswerLocked as exc:
                outcome = Outcome([short("locked", number=exc.indicator)], toast="toast_refused")
            if turn.changed:
                await tx.positions.save(turn.position)
        outcome.lang = turn.lang
        _answer_in_topic(outcome, event)
        return outcome

    async def remember_card(self, user_id: int, chat_id: int, message_id: int) -> None:
        """Keep the id of the officer's card so presses on it edit it in place."""
        async with self.db.transaction() as tx:
            position = await tx.positions.get(user_id)
            await tx.positions.save(position.model_copy(update={"card_chat_id": chat_id, "card_message_id": message_id}))

    async def remember_summary(self, chat_id: int, message_id: int) -> None:
        """Keep the id of a group's summary message so later summaries edit it in place."""
        async with self.db.transaction() as tx:
            if await tx.groups.get(chat_id) is not None:
                await tx.groups.set_summary_message(chat_id, message_id)

    async def group_summary(self, chat_id: int) -> Reply | None:
        group = await self.db.read.groups.get(chat_id)
        return None if group is None else await groups.summary_reply(self.db.read, self.packs, group, self._local_now())

    def _local_now(self) -> datetime:
        return self.clock().astimezone(ZoneInfo(self.config.timezone))

    async def due_reminders(self, now: datetime | None = None) -> list[Reply]:
        """The digests and nudges due now, each schedule marked sent (see ``conversations.schedule``)."""
        async with self.db.transaction() as tx:
            return await schedule.due_reminders(tx, self.packs, now or self.clock())

    # --- dispatch ---------------------------------------------------------------------------

    async def _dispatch(self, turn: Turn) -> Outcome:
        event = turn.event
        if isinstance(event, ChatMigrated):
            return await groups.migrate(turn, event)
        if isinstance(event, Edited):
            return _edited(turn)
        if isinstance(event, Command):
            return await self._command(turn, event)
        if isinstance(event, Press):
            return await self._press(turn, event)
        if isinstance(event, Text):
            return await self._text(turn, event)
        if isinstance(event, Upload):
            return await self._upload(turn, event)
        return Outcome()

    async def _command(self, turn: Turn, command: Command) -> Outcome:
        if turn.event.user.username:
            await turn.tx.members.set_username(turn.user_id, turn.event.user.username)
        if not turn.event.chat.private:
            handler = GROUP_COMMANDS.get(command.name)
            return await handler(turn, command) if handler else Outcome([short("private_only")])
        if turn.position.awaiting and command.name not in {"batal", "tanya", "bantuan"}:
            turn.move(awaiting=None, draft={})
        handler = self.private_commands.get(command.name, _help)
        return await handler(turn, command)

    # --- the walkthrough --------------------------------------------------------------------

    async def _period_or_choice(self, turn: Turn) -> tuple[Period, Pack] | Outcome:
        period = await access.current_period(turn)
        if period is None:
            return await self._institution_choice(turn)
        return period, self.packs.get(period.framework)

    async def _institution_choice(self, turn: Turn) -> Outcome:
        rows = []
        for member in await access.active_memberships(turn):
            institution = await turn.tx.institutions.require(member.institution_id)
            rows.append([Button("institution", cb.make("ct", member.institution_id), {"name": institution.name})])
        return Outcome([Reply("short:choose_institution", buttons=rows)])

    async def _start(self, turn: Turn, command: Command) -> Outcome:
        if command.args:
            return await team.join(turn, command.args.strip())
        memberships = []
        for member in await access.active_memberships(turn):
            institution = await turn.tx.institutions.require(member.institution_id)
            memberships.append({"institution": institution, "role": member.role.value})
        buttons = []
        if memberships:
            buttons.append([Button("continue_evaluation", cb.make("st", "continue"))])
        buttons.append([Button("join_code", cb.make("st", "join"))])
        buttons.append([Button("ask_question", cb.make("st", "ask"))])
        if turn.user_id in self.config.admin_ids:
            buttons.append([Button("new_institution", cb.make("st", "new_inst"))])
        return Outcome([Reply("start", {"user": turn.event.user, "memberships": memberships}, buttons)])

    async def _continue(self, turn: Turn, command: Command | None = None, *, edit: bool = False) -> Outcome:
        found = await self._period_or_choice(turn)
        if isinstance(found, Outcome):
            return found
        period, pack = found
        number = turn.position.indicator if turn.position.period_id == period.id and turn.position.indicator else None
        if number and pack.has_indicator(number):
            return Outcome([await wt.card(turn, period, pack, number, edit=edit)])
        return Outcome([await wt.next_card(turn, period, pack, after=None)])

    async def _summary(self, turn: Turn, command: Command) -> Outcome:
        found = await self._period_or_choice(turn)
        return found if isinstance(found, Outcome) else Outcome([await wt.summary(turn, *found)])

    async def _list(self, turn: Turn, command: Command) -> Outcome:
        found = await self._period_or_choice(turn)
        return found if isinstance(found, Outcome) else Outcome([await wt.indicator_list(turn, *found, 0, edit=False)])

    async def _jump(self, turn: Turn, command: Command) -> Outcome:
        found = await self._period_or_choice(turn)
        if isinstance(found, Outcome):
            return found
        period, pack = found
        if not command.args.strip():
            turn.move(period_id=period.id, institution_id=period.institution_id, awaiting="jump")
            return Outcome([short("ask_jump", total=len(pack.indicators))])
        return await self._open_number(turn, period, pack, command.args)

    async def _open_number(self, turn: Turn, period: Period, pack: Pack, text: str) -> Outcome:
        match = re.fullmatch(r"\s*#?\s*(\d{1,4})\s*", text)
        total = len(pack.indicators)
        if not match:
            turn.move(awaiting="jump")
            return Outcome([short("ask_jump", total=total)])
        number = int(match.group(1))
        if not pack.has_indicator(number):
            turn.move(awaiting="jump")
            return Outcome([short("indicator_missing", number=number, total=total)])
        return Outcome([await wt.card(turn, period, pack, number)])

    def _cancel(self, turn: Turn, command: Command) -> Outcome:
        if not turn.position.awaiting and not turn.position.draft:
            return Outcome([short("nothing_to_cancel")])
        turn.move(awaiting=None, draft={})
        return Outcome([short("cancelled")])

    # --- text and files ---------------------------------------------------------------------

    async def _text(self, turn: Turn, text: Text) -> Outcome:
        if not turn.event.chat.private:
            return Outcome()
        awaiting = turn.position.awaiting
        if awaiting in {"penjelasan", "jump", "value"}:
            found = await self._period_or_choice(turn)
            if isinstance(found, Outcome):
                return found
            period, pack = found
            if awaiting == "jump":
                return await self._open_number(turn, period, pack, text.text)
            if turn.position.indicator is None or not pack.has_indicator(turn.position.indicator):
                turn.move(awaiting=None)
                return await questions.ask(turn, text.text)
            if awaiting == "value":
                return await self._typed_value(turn, period, pack, text.text)
            return await wt.save_explanation(turn, period, pack, turn.position.indicator, text.text)
        if awaiting == "invite_code":
            return await team.join(turn, text.text.strip())
        if awaiting == "guided":
            return Outcome([short("guided_use_buttons")])
        if awaiting == "inst_kind":
            return Outcome([short("use_buttons")])
        if awaiting in {"inst_name", "inst_region"}:
            return await team.institution_step(turn, text.text)
        return await questions.ask(turn, text.text)

    async def _typed_value(self, turn: Turn, period: Period, pack: Pack, text: str) -> Outcome:
        try:
            value = Decimal(text.strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal(-1)
        precision = Decimal("0.01") if pack.scale.fractional else Decimal(1)
        if not value.is_finite() or not (pack.scale.min <= value <= pack.scale.max) or value != value.quantize(precision):
            return Outcome([short("value_invalid", low=pack.scale.min, high=pack.scale.max)])
        return await wt.choose_level(turn, period, pack, turn.position.indicator, value, edit=False)

    async def _upload(self, turn: Turn, upload: Upload) -> Outcome:
        if not turn.event.chat.private:
            return Outcome()
        awaiting = turn.position.awaiting
        if awaiting in {"jump", "value"}:
            return Outcome([short("need_text", what="nomor")])
        if awaiting in {"inst_name", "inst_region", "invite_code"}:
            return Outcome([short("need_text", what="jawaban")])
        if awaiting in {"guided", "inst_kind"}:
            return Outcome([short("use_buttons")])
        if not evidence.is_evidence(upload):
            if awaiting == "penjelasan":
                return Outcome([short("need_text", what="penjelasan")])
            return Outcome([short("upload_not_supported", kind=upload.kind)])
        return await evidence.keep(turn, upload)

    # --- button presses ---------------------------------------------------------------------

    async def _press(self, turn: Turn, press_event: Press) -> Outcome:
        try:
            press = cb.parse(press_event.data)
        except cb.CallbackError:
            log.warning("refused callback data %r from user %s", press_event.data, turn.user_id)
            raise Refusal("stale_button", toast="toast_stale") from None
        action = press.action
        if action in {"qa", "qk"}:
            return questions.candidate(turn, press)
        if action == "ap":
            return await assignments.picked(turn, press.int("period"), press.int("user"))
        if not turn.event.chat.private:
            raise Refusal("private_only")
        if action == "st":
            return await self._start_choice(turn, press.str("choice"))
        if action == "ik":
            return team.institution_kind(turn, press.str("kind"))
        if action == "ct":
            await access.membership(turn, press.int("institution"))
            period = await access.period_of(turn, press.int("institution"))
            turn.move(institution_id=period.institution_id, period_id=period.id, indicator=None)
            return await self._continue(turn, edit=True)
        if action == "rl":
            return await team.create_invite(turn, press.int("institution"), press.str("role"))
        if action == "mm":
            return await team.member_action(turn, press.int("institution"), press.int("user"), press.str("member_action"))
        if action == "pf":
            return await periods.start(turn, press.int("institution"), press.int("year"), press.str("framework"))
        if action == "rq":
            return await periods.set_explanation(turn, press.int("period"), press.str("flag") == "1")
        period, pack = await access.pressed_period(turn, press.int("period"))
        number = press.fields.get("indicator")
        if isinstance(number, int) and not pack.has_indicator(number):
            raise Refusal("indicator_missing", toast="toast_refused", number=number, total=len(pack.indicators))
        return await self._period_action(turn, press, period, pack)

    async def _period_action(self, turn: Turn, press: cb.Callback, period: Period, pack: Pack) -> Outcome:
        action = press.action
        if action == "cd":
            return Outcome([await wt.card(turn, period, pack, press.int("indicator"), edit=True)], toast="toast_done")
        if action == "lv":
            return await self._press_level(turn, press, period, pack)
        if action == "cr":
            return Outcome([wt.criteria(pack, period.id, press.int("indicator"))], toast="toast_done")
        if action == "ev":
            return Outcome([wt.evidence(pack, period.id, press.int("indicator"))], toast="toast_done")
        if action == "gd":
            turn.move(period_id=period.id, indicator=press.int("indicator"), awaiting="guided")
            return Outcome([wt.guided_start(pack, period.id, press.int("indicator"))], toast="toast_done")
        if action == "ga":
            level = press.str("level")
            if not level.isdigit() or not pack.scale.min < int(level) <= pack.scale.max:
                raise Refusal("level_outside", level=level, low=pack.scale.min, high=pack.scale.max)
            reply = wt.guided_step(pack, period.id, press.int("indicator"), int(level), press.str("answer") == "y")
            if reply.view == "guided_result":
                turn.move(awaiting=None)
            return Outcome([reply], toast="toast_done")
        if action == "sk":
            if period.require_explanation:
                return Outcome([short("explanation_required")], toast="toast_refused")
            turn.move(awaiting=None)
            return Outcome([await wt.next_card(turn, period, pack, after=press.int("indicator"))], toast="toast_done")
        if action == "nx":
            reply = await wt.next_card(turn, period, pack, after=press.int("indicator"))
            reply.edit = reply.view == "card"
            return Outcome([reply], toast="toast_done")
        if action == "pv":
            previous = max(press.int("indicator") - 1, 1)
            return Outcome([await wt.card(turn, period, pack, previous, edit=True)], toast="toast_done")
        if action == "jp":
            turn.move(period_id=period.id, awaiting="jump")
            return Outcome([short("ask_jump", total=len(pack.indicators))], toast="toast_done")
        if action == "ls":
            return Outcome([await wt.indicator_list(turn, period, pack, press.int("page"), edit=True)], toast="toast_done")
        if action == "ps":
            turn.move(awaiting=None)
            return Outcome([short("paused")], toast="toast_done")
        if action == "sm":
            return Outcome([await wt.summary(turn, period, pack)], toast="toast_done")
        raise Refusal("stale_button", toast="toast_stale")

    async def _press_level(self, turn: Turn, press: cb.Callback, period: Period, pack: Pack) -> Outcome:
        raw = press.str("level")
        number = press.int("indicator")
        if raw == "-":
            if not pack.scale.fractional:
                raise Refusal("stale_button", toast="toast_stale")
            turn.move(period_id=period.id, indicator=number, awaiting="value")
            return Outcome([short("ask_value", number=number, low=pack.scale.min, high=pack.scale.max)], toast="toast_done")
        value = Decimal(raw)
        if not pack.scale.min <= value <= pack.scale.max or (not pack.scale.fractional and value != value.to_integral_value()):
            raise Refusal("level_outside", level=raw, low=pack.scale.min, high=pack.scale.max)
        return await wt.choose_level(turn, period, pack, number, value, edit=True)

    async def _start_choice(self, turn: Turn, choice: str) -> Outcome:
        if choice == "continue":
            return await self._continue(turn)
        if choice == "join":
            turn.move(awaiting="invite_code")
            return Outcome([short("ask_code")], toast="toast_done")
        if choice == "ask":
            return Outcome([Reply("help")], toast="toast_done")
        if choice == "new_inst":
            return team.new_institution(turn)
        raise Refusal("stale_button", toast="toast_stale")
