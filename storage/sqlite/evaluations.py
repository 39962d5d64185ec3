"""Evaluation periods, and answers with their history."""

from __future__ import annotations

import builtins
from datetime import date
from decimal import Decimal, InvalidOperation

from storage.errors import AnswerLocked, Conflict, InvalidInput, NotFound
from storage.models import (
    MAX_EXPLANATION_CHARS,
    Answer,
    AnswerChange,
    AnswerStatus,
    ChangeKind,
    Period,
    PeriodProgress,
    PeriodStatus,
    Stage,
    StageDates,
)
from storage.sqlite.base import Repository, Row, from_x100, from_x100_or_none, parse_date_or_none, parse_time, parse_time_or_none, to_x100
from storage.sqlite.institutions import InstitutionRepository

MAX_REASON_CHARS = 500


def _answer(row: Row) -> Answer:
    return Answer(
        period_id=row["period_id"], indicator=row["indicator"], level=from_x100(row["level_x100"]),
        explanation=row["explanation"], status=row["status"], answered_by=row["answered_by"],
        updated_at=parse_time(row["updated_at"]),
    )


def _change(row: Row) -> AnswerChange:
    return AnswerChange(
        id=row["id"], period_id=row["period_id"], indicator=row["indicator"], kind=row["kind"],
        old_level=from_x100_or_none(row["old_level_x100"]), new_level=from_x100_or_none(row["new_level_x100"]),
        old_explanation=row["old_explanation"], new_explanation=row["new_explanation"],
        by=row["by_user"], at=parse_time(row["at"]), reason=row["reason"],
    )


class PeriodRepository(Repository):
    async def create(
        self, *, institution_id: int, year: int, framework: str, level_min: int, level_max: int,
        indicator_count: int, fractional: bool = False, require_explanation: bool = False,
    ) -> Period:
        """Start a period; it keeps the framework's shape so answers can be checked without the pack."""
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        if not 2000 <= year <= 2100:
            raise InvalidInput(f"year {year} is outside 2000..2100")
        if level_min >= level_max or indicator_count < 1:
            raise InvalidInput(f"invalid framework shape: levels {level_min}..{level_max}, {indicator_count} indicators")
        if await self.find(institution_id, year) is not None:
            raise InvalidInput(f"institution {institution_id} already has a period for {year}")
        period_id = await self._insert(
            """INSERT INTO periods (institution_id, year, framework, level_min, level_max, fractional, indicator_count,
                                    require_explanation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (institution_id, year, framework, level_min, level_max, int(fractional), indicator_count, int(require_explanation),
             self._now()),
        )
        return await self.require(period_id)

    async def _period(self, row: Row) -> Period:
        stages = [
            StageDates(stage=s["stage"], starts_on=parse_date_or_none(s["starts_on"]), ends_on=parse_date_or_none(s["ends_on"]))
            for s in await self._all("SELECT * FROM period_stages WHERE period_id = ? ORDER BY stage", (row["id"],))
        ]
        return Period(
            id=row["id"], institution_id=row["institution_id"], year=row["year"], framework=row["framework"],
            status=row["status"], level_min=row["level_min"], level_max=row["level_max"],
            fractional=bool(row["fractional"]), indicator_count=row["indicator_count"],
            require_explanation=bool(row["require_explanation"]), created_at=parse_time(row["created_at"]), stages=stages,
        )

    async def get(self, period_id: int) -> Period | None:
        row = await self._one("SELECT * FROM periods WHERE id = ?", (period_id,))
        return await self._period(row) if row else None

    async def require(self, period_id: int) -> Period:
        period = await self.get(period_id)
        if period is None:
            raise NotFound(f"evaluation period {period_id} does not exist")
        return period

    async def find(self, institution_id: int, year: int) -> Period | None:
        row = await self._one("SELECT * FROM periods WHERE institution_id = ? AND year = ?", (institution_id, year))
        return await self._period(row) if row else None

    async def latest(self, institution_id: int) -> Period | None:
        row = await self._one("SELECT * FROM periods WHERE institution_id = ? ORDER BY year DESC LIMIT 1", (institution_id,))
        return await self._period(row) if row else None

    async def list(self, institution_id: int) -> list[Period]:
        rows = await self._all("SELECT * FROM periods WHERE institution_id = ? ORDER BY year", (institution_id,))
        return [await self._period(r) for r in rows]

    async def set_status(self, period_id: int, status: PeriodStatus | str) -> Period:
        await self.require(period_id)
        await self._execute("UPDATE periods SET status = ? WHERE id = ?", (PeriodStatus(status).value, period_id))
        return await self.require(period_id)

    async def set_require_explanation(self, period_id: int, required: bool) -> Period:
        await self.require(period_id)
        await self._execute("UPDATE periods SET require_explanation = ? WHERE id = ?", (int(required), period_id))
        return await self.require(period_id)

    async def set_stage(self, period_id: int, stage: Stage | str, starts_on: date | None, ends_on: date | None) -> Period:
        await self.require(period_id)
        if starts_on and ends_on and ends_on < starts_on:
            raise InvalidInput(f"stage {stage} ends ({ends_on}) before it starts ({starts_on})")
        await self._execute(
            """INSERT INTO period_stages (period_id, stage, starts_on, ends_on) VALUES (?, ?, ?, ?)
               ON CONFLICT (period_id, stage) DO UPDATE SET starts_on = excluded.starts_on, ends_on = excluded.ends_on""",
            (period_id, Stage(stage).value, starts_on.isoformat() if starts_on else None, ends_on.isoformat() if ends_on else None),
        )
        return await self.require(period_id)


class AnswerRepository(Repository):
    max_explanation = MAX_EXPLANATION_CHARS

    @staticmethod
    def _check_level(period: Period, indicator: int, level: Decimal | int | str) -> Decimal:
        if not 1 <= indicator <= period.indicator_count:
            raise InvalidInput(f"indicator {indicator} does not exist in {period.framework} (1..{period.indicator_count})")
        try:
            value = Decimal(str(level))
        except InvalidOperation:
            raise InvalidInput(f"level {level!r} is not a number") from None
        if not value.is_finite() or not period.level_min <= value <= period.level_max:
            raise InvalidInput(f"level {level} is outside the scale {period.level_min}..{period.level_max} of {period.framework}")
        if period.fractional:
            if value != value.quantize(Decimal("0.01")):
                raise InvalidInput(f"level {level} has more than two decimals")
        elif value != value.to_integral_value():
            raise InvalidInput(f"{period.framework} takes whole levels only, not {level}")
        return value

    @staticmethod
    def _check_text(explanation: str | None) -> str | None:
        if explanation is None:
            return None
        explanation = explanation.strip()
        if len(explanation) > MAX_EXPLANATION_CHARS:
            raise InvalidInput(f"the explanation has {len(explanation)} characters; the limit is {MAX_EXPLANATION_CHARS}")
        return explanation or None

    async def get(self, period_id: int, indicator: int) -> Answer | None:
        row = await self._one("SELECT * FROM answers WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        return _answer(row) if row else None

    async def save(self, *, period_id: int, indicator: int, level: Decimal | int | str, explanation: str | None, by: int) -> Answer:
        """Create or change an answer and append the change to its history (one transaction)."""
        period = await PeriodRepository(self._conn, self._clock).require(period_id)
        value = self._check_level(period, indicator, level)
        text = self._check_text(explanation)
        old = await self.get(period_id, indicator)
        if old is not None and old.status is AnswerStatus.FINAL:
            raise AnswerLocked(period_id, indicator)
        if old is not None and old.level == value and old.explanation == text:
            return old
        now = self._now()
        await self._execute(
            """INSERT INTO answers (period_id, indicator, level_x100, explanation, status, answered_by, updated_at)
               VALUES (?, ?, ?, ?, 'draft', ?, ?)
               ON CONFLICT (period_id, indicator) DO UPDATE SET level_x100 = excluded.level_x100,
                   explanation = excluded.explanation, answered_by = excluded.answered_by, updated_at = excluded.updated_at""",
            (period_id, indicator, to_x100(value), text, by, now),
        )
        await self._history(
            period_id, indicator, ChangeKind.ANSWER if old is None else ChangeKind.EDIT,
            old.level if old else None, value, old.explanation if old else None, text, by, now, None,
        )
        answer = await self.get(period_id, indicator)
        assert answer is not None
        return answer

    async def explain(self, *, period_id: int, indicator: int, level: Decimal, explanation: str | None, by: int) -> Answer:
        """Set the penjelasan of the answer that is at ``level``; the level and who chose it stay.

        Raises :class:`Conflict` (code ``level_changed``) when the answer is no longer at ``level``
        (someone changed it since the writer opened it), and :class:`NotFound` when it is gone.
        """
        text = self._check_text(explanation)
        old = await self.get(period_id, indicator)
        if old is None:
            raise NotFound(f"indicator {indicator} of period {period_id} has no answer", code="no_answer")
        if old.status is AnswerStatus.FINAL:
            raise AnswerLocked(period_id, indicator)
        if old.level != level:
            raise Conflict(f"indicator {indicator} of period {period_id} is at level {old.level}, not {level}", code="level_changed")
        if old.explanation == text:
            return old
        now = self._now()
        await self._execute(
            "UPDATE answers SET explanation = ?, updated_at = ? WHERE period_id = ? AND indicator = ?",
            (text, now, period_id, indicator),
        )
        await self._history(period_id, indicator, ChangeKind.EDIT, old.level, old.level, old.explanation, text, by, now, None)
        answer = await self.get(period_id, indicator)
        assert answer is not None
        return answer

    async def _history(self, period_id: int, indicator: int, kind: ChangeKind, old_level: Decimal | None, new_level: Decimal | None,
                       old_text: str | None, new_text: str | None, by: int, at: str, reason: str | None) -> None:
        await self._execute(
            """INSERT INTO answer_history (period_id, indicator, kind, old_level_x100, new_level_x100, old_explanation,
                                           new_explanation, by_user, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (period_id, indicator, kind.value, to_x100(old_level) if old_level is not None else None,
             to_x100(new_level) if new_level is not None else None, old_text, new_text, by, at, reason),
        )

    async def lock(self, period_id: int, indicators: list[int] | None, by: int) -> list[int]:
        """Make answers final (all answered ones when ``indicators`` is None); returns those locked now."""
        await PeriodRepository(self._conn, self._clock).require(period_id)
        answers = {a.indicator: a for a in await self.list(period_id)}
        wanted = sorted(answers) if indicators is None else indicators
        missing = [n for n in wanted if n not in answers]
        if missing:
            raise NotFound(f"no answer to lock for indicator(s) {missing} of period {period_id}")
        now = self._now()
        locked = []
        for number in wanted:
            answer = answers[number]
            if answer.status is AnswerStatus.FINAL:
                continue
            await self._execute("UPDATE answers SET status = 'final' WHERE period_id = ? AND indicator = ?", (period_id, number))
            await self._history(
                period_id, number, ChangeKind.LOCK, answer.level, answer.level, answer.explanation, answer.explanation, by, now, None,
            )
            locked.append(number)
        return locked

    async def reopen(self, period_id: int, indicator: int, by: int, reason: str) -> Answer:
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(f"a reopen needs a reason of 1..{MAX_REASON_CHARS} characters")
        answer = await self.get(period_id, indicator)
        if answer is None:
            raise NotFound(f"indicator {indicator} of period {period_id} has no answer")
        if answer.status is not AnswerStatus.FINAL:
            raise InvalidInput(f"indicator {indicator} of period {period_id} is not final")
        now = self._now()
        await self._execute("UPDATE answers SET status = 'draft' WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        await self._history(
            period_id, indicator, ChangeKind.REOPEN, answer.level, answer.level, answer.explanation, answer.explanation, by, now, reason,
        )
        reopened = await self.get(period_id, indicator)
        assert reopened is not None
        return reopened

    async def list(self, period_id: int) -> list[Answer]:
        return [_answer(r) for r in await self._all("SELECT * FROM answers WHERE period_id = ? ORDER BY indicator", (period_id,))]

    async def levels(self, period_id: int) -> dict[int, Decimal]:
        rows = await self._all("SELECT indicator, level_x100 FROM answers WHERE period_id = ?", (period_id,))
        return {r["indicator"]: from_x100(r["level_x100"]) for r in rows}

    async def count(self, period_id: int) -> int:
        row = await self._one("SELECT COUNT(*) FROM answers WHERE period_id = ?", (period_id,))
        return int(row[0]) if row else 0

    # below the method `list`, the bare name means the method: hence `builtins.list`
    async def history(self, period_id: int, indicator: int | None = None) -> builtins.list[AnswerChange]:
        if indicator is None:
            rows = await self._all("SELECT * FROM answer_history WHERE period_id = ? ORDER BY id", (period_id,))
        else:
            rows = await self._all("SELECT * FROM answer_history WHERE period_id = ? AND indicator = ? ORDER BY id", (period_id, indicator))
        return [_change(r) for r in rows]

    async def progress(self, period_ids: builtins.list[int] | None = None) -> builtins.list[PeriodProgress]:
        """Answered and final counts, last update and answers per member, for many periods at once."""
        where = ""
        params: tuple[int, ...] = ()
        if period_ids is not None:
            if not period_ids:
                return []
            where = f"WHERE a.period_id IN ({','.join('?' * len(period_ids))})"
            params = tuple(period_ids)
        rows = await self._all(
            f"""SELECT a.period_id, p.institution_id, COUNT(*) AS answered, SUM(a.status = 'final') AS final,
                       MAX(a.updated_at) AS last_update
                FROM answers a JOIN periods p ON p.id = a.period_id {where}
                GROUP BY a.period_id ORDER BY a.period_id""",
            params,
        )
        members: dict[int, dict[int, int]] = {}
        for row in await self._all(
            f"SELECT a.period_id, a.answered_by, COUNT(*) AS n FROM answers a {where} GROUP BY a.period_id, a.answered_by", params
        ):
            members.setdefault(row["period_id"], {})[row["answered_by"]] = row["n"]
        return [
            PeriodProgress(
                period_id=r["period_id"], institution_id=r["institution_id"], answered=r["answered"], final=r["final"] or 0,
                last_update=parse_time_or_none(r["last_update"]), by_member=members.get(r["period_id"], {}),
            )
            for r in rows
        ]

