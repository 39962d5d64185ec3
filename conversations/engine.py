"""The conversation engine: an event in, an :class:`Outcome` out. No Telegram import.

Each event is one transaction: the update id is claimed (so a repeated update changes nothing),
the user's position is read, the handler reads and writes through the transaction, the position
is saved, and the transaction commits before the outcome is returned for sending. The database
is the state: a restart, or a second replica, continues exactly where the user was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from conversations import callbacks as cb
from conversations import walkthrough as wt
from conversations.context import EngineConfig, Turn
from conversations.events import Command, Event, Press, Text, Upload
from conversations.replies import Button, Outcome, Reply, short
from conversations.walkthrough import Refusal
from knowledge.answering import Answer, Library
from knowledge.packs import PackRegistry
from storage import errors as store_errors
from storage.models import InstitutionKind, Role

log = logging.getLogger(__name__)

LEAD_ROLES = {Role.KOORDINATOR, Role.PENANGGUNG_JAWAB}
NAME_LIMIT = 120
CAPTION_LIMIT = 1024
EVIDENCE_KINDS = {"document", "photo"}


class Engine:
    def __init__(self, db, packs: PackRegistry, config: EngineConfig | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.packs = packs
        self.library = Library(packs)
        self.config = config or EngineConfig()
        self.clock = clock or (lambda: datetime.now(UTC))

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
                outcome = Outcome([short("locked", number=getattr(exc, "indicator", ""))], toast="toast_refused")
            if turn.changed:
                await tx.positions.save(turn.position)
        outcome.lang = turn.lang
        return outcome

    async def remember_card(self, user_id: int, chat_id: int, message_id: int) -> None:
        """Keep the id of the officer's card so presses on it edit it in place."""
        async with self.db.transaction() as tx:
            position = await tx.positions.get(user_id)
            await tx.positions.save(position.model_copy(update={"card_chat_id": chat_id, "card_message_id": message_id}))

    # --- dispatch ---------------------------------------------------------------------------

    async def _dispatch(self, turn: Turn) -> Outcome:
        event = turn.event
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
        name = command.name
        if not turn.event.chat.private:
            if name == "tanya":
                return self._ask(turn, command.args, group=True)
            if name in {"bantuan", "start"}:
                return Outcome([Reply("help")])
            return Outcome([short("private_only")])
        if turn.position.awaiting and name not in {"batal", "tanya", "bantuan"}:
            turn.move(awaiting=None, draft={})
        handlers = {
            "start": self._start,
            "mulai": self._continue,
            "ringkasan": self._summary,
            "daftar": self._list,
            "loncat": self._jump,
            "tanya": lambda t, c: self._ask(t, c.args),
            "bantuan": lambda t, c: Outcome([Reply("help")]),
            "batal": self._cancel,
            "undang": self._invite,
            "periode": self._periods,
            "gabung": self._join_command,
            "instansi_baru": self._new_institution,
            "penjelasan": self._explanation_setting,
        }
        handler = handlers.get(name)
        if handler is None:
            return Outcome([Reply("help")])
        result = handler(turn, command)
        return await result if hasattr(result, "__await__") else result

    # --- membership and the current period ---------------------------------------------------

    async def _membership(self, turn: Turn, institution_id: int):
        member = await turn.tx.members.get(institution_id, turn.user_id)
        if member is None or not member.active:
            raise Refusal("not_member")
        return member

    async def _period_for_press(self, turn: Turn, period_id: int):
        """The period a button names, after checking the presser belongs to its institution."""
        period = await turn.tx.periods.get(period_id)
        if period is None:
            raise Refusal("stale_button", toast="toast_stale")
        await self._membership(turn, period.institution_id)
        return period, self.packs.get(period.framework)

    async def _current_period(self, turn: Turn):
        """The period the officer works on: the stored one, else the institution's current year."""
        position = turn.position
        if position.period_id:
            period = await turn.tx.periods.get(position.period_id)
            if period is not None:
                member = await turn.tx.members.get(period.institution_id, turn.user_id)
                if member is not None and member.active:
                    return period
        memberships = [m for m in await turn.tx.members.memberships(turn.user_id) if m.active]
        if not memberships:
            raise Refusal("no_membership")
        if len(memberships) > 1 and not position.institution_id:
            return None
        member = next((m for m in memberships if m.institution_id == position.institution_id), memberships[0])
        return await self._period_of(turn, member.institution_id)

    async def _period_of(self, turn: Turn, institution_id: int):
        year = turn.now.year
        period = await turn.tx.periods.latest(institution_id)
        if period is None:
            pack = self.packs.get(self.config.default_framework)
            period = await turn.tx.periods.create(
                institution_id=institution_id, year=year, framework=pack.id, level_min=pack.scale.min,
                level_max=pack.scale.max, fractional=pack.scale.fractional, indicator_count=len(pack.indicators),
            )
        return period

    async def _institution_choice(self, turn: Turn) -> Outcome:
        memberships = [m for m in await turn.tx.members.memberships(turn.user_id) if m.active]
        rows = []
        for member in memberships:
            institution = await turn.tx.institutions.get(member.institution_id)
            rows.append([Button("institution", cb.make("ct", member.institution_id), {"name": institution.name})])
        return Outcome([Reply("short:choose_institution", buttons=rows)])

    # --- commands ---------------------------------------------------------------------------

    async def _start(self, turn: Turn, command: Command) -> Outcome:
        if command.args:
            return await self._join(turn, command.args.strip())
        memberships = []
        for member in await turn.tx.members.memberships(turn.user_id):
            if member.active:
                institution = await turn.tx.institutions.get(member.institution_id)
                memberships.append({"institution": institution, "role_label": member.role.value.replace("_", " ")})
        buttons = []
        if memberships:
            buttons.append([Button("continue_evaluation", cb.make("st", "continue"))])
        buttons.append([Button("join_code", cb.make("st", "join"))])
        buttons.append([Button("ask_question", cb.make("st", "ask"))])
        if turn.user_id in self.config.admin_ids:
            buttons.append([Button("new_institution", cb.make("st", "new_inst"))])
        return Outcome([Reply("start", {"user": turn.event.user, "memberships": memberships}, buttons)])

    async def _continue(self, turn: Turn, command: Command | None = None, *, edit: bool = False) -> Outcome:
        period = await self._current_period(turn)
        if period is None:
            return await self._institution_choice(turn)
        pack = self.packs.get(period.framework)
        number = turn.position.indicator if turn.position.period_id == period.id and turn.position.indicator else None
        if number and pack.has_indicator(number):
            return Outcome([await wt.card(turn, period, pack, number, edit=edit)])
        return Outcome([await wt.next_card(turn, period, pack, after=None)])

    async def _summary(self, turn: Turn, command: Command) -> Outcome:
        period = await self._current_period(turn)
        if period is None:
            return await self._institution_choice(turn)
        return Outcome([await wt.summary(turn, period, self.packs.get(period.framework))])

    async def _list(self, turn: Turn, command: Command) -> Outcome:
        period = await self._current_period(turn)
        if period is None:
            return await self._institution_choice(turn)
        return Outcome([await wt.indicator_list(turn, period, self.packs.get(period.framework), 0, edit=False)])

    async def _jump(self, turn: Turn, command: Command) -> Outcome:
        period = await self._current_period(turn)
        if period is None:
            return await self._institution_choice(turn)
        pack = self.packs.get(period.framework)
        if not command.args.strip():
            turn.move(period_id=period.id, institution_id=period.institution_id, awaiting="jump")
            return Outcome([short("ask_jump", total=len(pack.indicators))])
        return await self._open_number(turn, period, pack, command.args)

    async def _open_number(self, turn: Turn, period, pack, text: str) -> Outcome:
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

    async def _lead_institution(self, turn: Turn):
        memberships = [m for m in await turn.tx.members.memberships(turn.user_id) if m.active and m.role in LEAD_ROLES]
        if not memberships:
            raise Refusal("lead_only")
        member = next((m for m in memberships if m.institution_id == turn.position.institution_id), memberships[0])
        return member, await turn.tx.institutions.get(member.institution_id)

    async def _invite(self, turn: Turn, command: Command) -> Outcome:
        _, institution = await self._lead_institution(turn)
        roles = ["officer", "penanggung_jawab", "koordinator"]
        buttons = [[Button("role", cb.make("rl", institution.id, role), {"role": role})] for role in roles]
        return Outcome([Reply("short:choose_role", {"institution": institution.name}, buttons)])

    async def _create_invite(self, turn: Turn, institution_id: int, role: str, *, edit: bool) -> Outcome:
        member = await self._membership(turn, institution_id)
        if member.role not in LEAD_ROLES:
            raise Refusal("lead_only")
        institution = await turn.tx.institutions.get(institution_id)
        expires = turn.now + timedelta(days=self.config.invite_days)
        invitation = await turn.tx.invitations.create(
            institution_id=institution_id, role=Role(role), created_by=turn.user_id, expires_at=expires, max_uses=1,
        )
        return Outcome([self._invite_reply(institution.name, role, invitation.code, expires, edit=edit)], toast="toast_done")

    def _invite_reply(self, institution: str, role: str, code: str, expires: datetime, *, edit: bool = False) -> Reply:
        link = f"https://t.me/{self.config.bot_username}?start={code}"
        reply = short("invite_created", institution=institution, role=role.replace("_", " "), link=link, code=code, expires=expires.strftime("%Y-%m-%d %H:%M UTC"))
        reply.edit = edit
        return reply

    async def _periods(self, turn: Turn, command: Command) -> Outcome:
        _, institution = await self._lead_institution(turn)
        year = turn.now.year
        rows = []
        for pack in self.packs:
            years = sorted({year, *[y for y in pack.framework.evaluation_years if y >= year - 1]})
            for y in years[-2:]:
                rows.append([Button("framework", cb.make("pf", institution.id, y, pack.id), {"title": pack.framework.short_title, "year": y})])
        return Outcome([Reply("short:choose_period", {"institution": institution.name}, rows)])

    async def _lead_period(self, turn: Turn, period_id: int | None = None):
        """The current period of the lead's institution (or the one a button names), for lead actions."""
        if period_id is None:
            _, institution = await self._lead_institution(turn)
            return await self._period_of(turn, institution.id)
        period = await turn.tx.periods.get(period_id)
        if period is None:
            raise Refusal("stale_button", toast="toast_stale")
        member = await self._membership(turn, period.institution_id)
        if member.role not in LEAD_ROLES:
            raise Refusal("lead_only")
        return period

    def _explanation_reply(self, period, *, edit: bool = False) -> Reply:
        flag = 0 if period.require_explanation else 1
        reply = Reply(
            "short:explanation_setting", {"required": period.require_explanation, "year": period.year},
            [[Button("explanation_toggle", cb.make("rq", period.id, flag), {"required": bool(flag)})]], edit=edit,
        )
        return reply

    async def _explanation_setting(self, turn: Turn, command: Command) -> Outcome:
        return Outcome([self._explanation_reply(await self._lead_period(turn))])

    async def _set_explanation(self, turn: Turn, period_id: int, required: bool) -> Outcome:
        period = await self._lead_period(turn, period_id)
        period = await turn.tx.periods.set_require_explanation(period.id, required)
        return Outcome([self._explanation_reply(period, edit=True)], toast="toast_done")

    async def _start_period(self, turn: Turn, institution_id: int, year: int, framework: str) -> Outcome:
        member = await self._membership(turn, institution_id)
        if member.role not in LEAD_ROLES:
            raise Refusal("lead_only")
        if framework not in self.packs:
            raise Refusal("stale_button", toast="toast_stale")
        pack = self.packs.get(framework)
        existing = await turn.tx.periods.find(institution_id, year)
        if existing is not None:
            outcome = Outcome([short("period_exists", year=year, framework=self.packs.get(existing.framework).framework.short_title)])
            period = existing
        else:
            period = await turn.tx.periods.create(
                institution_id=institution_id, year=year, framework=pack.id, level_min=pack.scale.min,
                level_max=pack.scale.max, fractional=pack.scale.fractional, indicator_count=len(pack.indicators),
            )
            outcome = Outcome([short("period_started", year=year, framework=pack.framework.short_title)])
        turn.move(institution_id=institution_id, period_id=period.id, indicator=None, awaiting=None)
        return outcome.add(await wt.next_card(turn, period, self.packs.get(period.framework), after=None))

    def _join_command(self, turn: Turn, command: Command):
        if command.args.strip():
            return self._join(turn, command.args.strip())
        turn.move(awaiting="invite_code")
        return Outcome([short("ask_code")])

    async def _join(self, turn: Turn, code: str) -> Outcome:
        user = turn.event.user
        try:
            member = await turn.tx.invitations.redeem(code, user_id=user.id, display_name=user.name, language=user.language, now=turn.now)
        except (store_errors.NotFound, store_errors.InvalidInput, store_errors.Conflict) as exc:
            turn.move(awaiting=None)
            return Outcome([short("join_failed", reason=exc.code or "unknown")])
        institution = await turn.tx.institutions.get(member.institution_id)
        turn.move(institution_id=institution.id, period_id=None, indicator=None, awaiting=None)
        return Outcome([short("join_ok", institution=institution.name, role=member.role.value.replace("_", " "))])

    def _new_institution(self, turn: Turn, command: Command | None = None) -> Outcome:
        if turn.user_id not in self.config.admin_ids:
            raise Refusal("operator_only")
        turn.move(awaiting="inst_name", draft={})
        return Outcome([short("inst_ask_name")])

    # --- questions -------------------------------------------------------------------------

    def _framework_for_questions(self, turn: Turn) -> str:
        framework = turn.position.framework if getattr(turn.position, "framework", None) else None
        return framework if framework in self.packs else self.config.default_framework

    def _ask(self, turn: Turn, question: str, *, group: bool = False) -> Outcome:
        if not question.strip():
            return Outcome([short("ask_usage")])
        framework = self._framework_for_questions(turn)
        answer = self.library.answerer(framework).ask(question)
        return Outcome([self._answer_reply(framework, answer, buttons=not group)])

    def _answer_reply(self, framework: str, answer: Answer, *, buttons: bool = True) -> Reply:
        rows = []
        if buttons and not answer.sure:
            entities = self.library.answerer(framework).entities
            for candidate in answer.candidates:
                if candidate.kind == "indicator":
                    level = answer.level if answer.level is not None else "-"
                    data = cb.make("qa", framework, int(candidate.key), level)
                else:
                    index = next(i for i, e in enumerate(entities) if (e.kind, e.key) == (candidate.kind, candidate.key))
                    data = cb.make("qk", framework, index)
                rows.append([Button("candidate", data, {"title": candidate.title})])
        return Reply("answer", {"pack": self.packs.get(framework), "answer": answer}, rows)

    def _candidate(self, turn: Turn, press: cb.Callback) -> Outcome:
        framework = press.str("framework")
        if framework not in self.packs:
            raise Refusal("stale_button", toast="toast_stale")
        answerer = self.library.answerer(framework)
        pack = self.packs.get(framework)
        if press.action == "qa":
            number = press.int("indicator")
            level = press.str("level")
            if not pack.has_indicator(number):
                raise Refusal("stale_button", toast="toast_stale")
            question = f"indikator {number}" + (f" level {level}" if level != "-" else "")
            return Outcome([self._answer_reply(framework, answerer.ask(question))], toast="toast_done")
        index = press.int("entity")
        if index >= len(answerer.entities):
            raise Refusal("stale_button", toast="toast_stale")
        answer = answerer.answer_entity(answerer.entities[index])
        return Outcome([self._answer_reply(framework, answer)], toast="toast_done")

    # --- text -------------------------------------------------------------------------------

    async def _text(self, turn: Turn, text: Text) -> Outcome:
        if not turn.event.chat.private:
            return Outcome()
        awaiting = turn.position.awaiting
        if awaiting == "penjelasan":
            period = await self._current_period(turn)
            if period is None or turn.position.indicator is None:
                turn.move(awaiting=None)
                return self._ask(turn, text.text)
            return await wt.save_explanation(turn, period, self.packs.get(period.framework), turn.position.indicator, text.text)
        if awaiting == "jump":
            period = await self._current_period(turn)
            if period is None:
                return await self._institution_choice(turn)
            return await self._open_number(turn, period, self.packs.get(period.framework), text.text)
        if awaiting == "invite_code":
            return await self._join(turn, text.text.strip())
        if awaiting == "guided":
            return Outcome([short("guided_use_buttons")])
        if awaiting == "inst_kind":
            return Outcome([short("use_buttons")])
        if awaiting in {"inst_name", "inst_region"}:
            return await self._institution_step(turn, text.text)
        if awaiting == "value":
            return await self._typed_value(turn, text.text)
        return self._ask(turn, text.text)

    async def _typed_value(self, turn: Turn, text: str) -> Outcome:
        period = await self._current_period(turn)
        pack = self.packs.get(period.framework)
        try:
            value = Decimal(text.strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal(-1)
        precision = Decimal("0.01") if pack.scale.fractional else Decimal(1)
        if not (pack.scale.min <= value <= pack.scale.max) or value != value.quantize(precision):
            return Outcome([short("value_invalid", low=pack.scale.min, high=pack.scale.max)])
        return await wt.choose_level(turn, period, pack, turn.position.indicator, value, edit=False)

    async def _institution_step(self, turn: Turn, text: str) -> Outcome:
        if turn.user_id not in self.config.admin_ids:
            turn.move(awaiting=None, draft={})
            raise Refusal("operator_only")
        value = text.strip()
        draft = dict(turn.position.draft or {})
        if turn.position.awaiting == "inst_name":
            if not 3 <= len(value) <= NAME_LIMIT:
                return Outcome([short("inst_name_invalid", limit=NAME_LIMIT)])
            draft["name"] = value
            turn.move(awaiting="inst_kind", draft=draft)
            rows = [[Button("kind", cb.make("ik", kind.value), {"kind": kind.value})] for kind in InstitutionKind]
            return Outcome([Reply("short:inst_ask_kind", {"name": value}, rows)])
        region = None if value in {"-", ""} else value[:NAME_LIMIT]
        institution = await turn.tx.institutions.create(name=draft["name"], kind=InstitutionKind(draft["kind"]), region=region)
        expires = turn.now + timedelta(days=self.config.invite_days)
        invitation = await turn.tx.invitations.create(
            institution_id=institution.id, role=Role.KOORDINATOR, created_by=turn.user_id, expires_at=expires, max_uses=1,
        )
        turn.move(awaiting=None, draft={})
        link = f"https://t.me/{self.config.bot_username}?start={invitation.code}"
        return Outcome([short("inst_created", name=institution.name, link=link, code=invitation.code)])

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
        if upload.kind not in EVIDENCE_KINDS or not upload.file_id or not upload.file_unique_id:
            if awaiting == "penjelasan":
                return Outcome([short("need_text", what="penjelasan")])
            return Outcome([short("upload_not_supported", kind=upload.kind)])
        return await self._evidence(turn, upload)

    async def _evidence(self, turn: Turn, upload: Upload) -> Outcome:
        """Keep a document or photo as bukti dukung of the indicator the officer has open."""
        position = turn.position
        period = await turn.tx.periods.get(position.period_id) if position.period_id else None
        if period is None or position.indicator is None:
            return Outcome([short("evidence_needs_card")])
        await self._membership(turn, period.institution_id)
        answer = await turn.tx.answers.get(period.id, position.indicator)
        if answer is not None and answer.status == "final":
            raise Refusal("locked", number=position.indicator)
        evidence = await turn.tx.evidence.add(
            institution_id=period.institution_id, file_id=upload.file_id, file_unique_id=upload.file_unique_id,
            kind=upload.kind, uploaded_by=turn.user_id, file_name=upload.file_name, size=upload.size,
            caption=(upload.caption or "")[:CAPTION_LIMIT] or None,
        )
        await turn.tx.evidence.link(evidence.id, period.id, position.indicator, by=turn.user_id)
        files = await turn.tx.evidence.for_answer(period.id, position.indicator)
        return Outcome([short(
            "evidence_saved", name=evidence.file_name or upload.kind, number=position.indicator, count=len(files),
            waiting=position.awaiting == "penjelasan",
        )])

    # --- button presses ---------------------------------------------------------------------

    async def _press(self, turn: Turn, press_event: Press) -> Outcome:
        try:
            press = cb.parse(press_event.data)
        except cb.CallbackError:
            log.warning("refused callback data %r from user %s", press_event.data, turn.user_id)
            raise Refusal("stale_button", toast="toast_stale") from None
        action = press.action
        if action in {"qa", "qk"}:
            return self._candidate(turn, press)
        if not turn.event.chat.private:
            raise Refusal("private_only")
        if action == "st":
            return await self._start_choice(turn, press.str("choice"))
        if action == "ik":
            return self._institution_kind(turn, press.str("kind"))
        if action == "ct":
            await self._membership(turn, press.int("institution"))
            period = await self._period_of(turn, press.int("institution"))
            turn.move(institution_id=period.institution_id, period_id=period.id, indicator=None)
            return await self._continue(turn, edit=True)
        if action == "rl":
            return await self._create_invite(turn, press.int("institution"), press.str("role"), edit=True)
        if action == "pf":
            return await self._start_period(turn, press.int("institution"), press.int("year"), press.str("framework"))
        if action == "rq":
            return await self._set_explanation(turn, press.int("period"), press.str("flag") == "1")
        period, pack = await self._period_for_press(turn, press.int("period"))
        number = press.fields.get("indicator")
        if isinstance(number, int) and not pack.has_indicator(number):
            raise Refusal("indicator_missing", toast="toast_refused", number=number, total=len(pack.indicators))
        return await self._period_action(turn, press, period, pack)

    async def _period_action(self, turn: Turn, press: cb.Callback, period, pack) -> Outcome:
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
            return Outcome([await self._next_after(turn, period, pack, press.int("indicator"))], toast="toast_done")
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

    async def _next_after(self, turn: Turn, period, pack, number: int) -> Reply:
        reply = await wt.next_card(turn, period, pack, after=number)
        reply.edit = reply.view == "card"
        return reply

    async def _press_level(self, turn: Turn, press: cb.Callback, period, pack) -> Outcome:
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
            return self._new_institution(turn)
        raise Refusal("stale_button", toast="toast_stale")

    def _institution_kind(self, turn: Turn, kind: str) -> Outcome:
        if turn.user_id not in self.config.admin_ids:
            raise Refusal("operator_only")
        if turn.position.awaiting != "inst_kind" or kind not in {k.value for k in InstitutionKind}:
            raise Refusal("stale_button", toast="toast_stale")
        draft = dict(turn.position.draft or {})
        draft["kind"] = kind
        turn.move(awaiting="inst_region", draft=draft)
        return Outcome([short("inst_ask_region", name=draft.get("name", ""))], toast="toast_done")
