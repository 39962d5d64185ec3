"""Evaluation periods, and answers with their history."""

from __future__ import annotations

import builtins
from datetime import date
from decimal import Decimal

from storage import rows, rules
from storage.errors import NotFound
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
)
from storage.rows import Row, from_x100, to_x100, to_x100_or_none
from storage.sqlite.base import Repository
from storage.sqlite.institutions import InstitutionRepository


class PeriodRepository(Repository):
    async def create(
        self, *, institution_id: int, year: int, framework: str, level_min: int, level_max: int,
        indicator_count: int, fractional: bool = False, require_explanation: bool = False,
    ) -> Period:
        """Start a period; it keeps the framework's shape so answers can be checked without the pack."""
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        rules.check_period_shape(year, level_min, level_max, indicator_count)
        if await self.find(institution_id, year) is not None:
            raise rules.period_exists(institution_id, year)
        period_id = await self._insert(
            """INSERT INTO periods (institution_id, year, framework, level_min, level_max, fractional, indicator_count,
                                    require_explanation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (institution_id, year, framework, level_min, level_max, int(fractional), indicator_count, int(require_explanation),
             self._now()),
        )
        return await self.require(period_id)

    async def _period(self, row: Row) -> Period:
        stages = await self._all("SELECT * FROM period_stages WHERE period_id = ? ORDER BY stage", (row["id"],))
        return rows.period(row, [rows.stage_dates(s) for s in stages])

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
        found = await self._all("SELECT * FROM periods WHERE institution_id = ? ORDER BY year", (institution_id,))
        return [await self._period(r) for r in found]

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
        rules.check_stage_dates(str(stage), starts_on, ends_on)
        await self._execute(
            """INSERT INTO period_stages (period_id, stage, starts_on, ends_on) VALUES (?, ?, ?, ?)
               ON CONFLICT (period_id, stage) DO UPDATE SET starts_on = excluded.starts_on, ends_on = excluded.ends_on""",
            (period_id, Stage(stage).value, starts_on.isoformat() if starts_on else None, ends_on.isoformat() if ends_on else None),
        )
        return await self.require(period_id)


class AnswerRepository(Repository):
    max_explanation = MAX_EXPLANATION_CHARS

    async def get(self, period_id: int, indicator: int) -> Answer | None:
        row = await self._one("SELECT * FROM answers WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        return rows.answer(row) if row else None

    async def save(self, *, period_id: int, indicator: int, level: Decimal | int | str, explanation: str | None, by: int) -> Answer:
        """Create or change an answer and append the change to its history (one transaction)."""
        period = await PeriodRepository(self._conn, self._clock).require(period_id)
        value = rules.check_level(period, indicator, level)
        text = rules.check_text(explanation)
        old = await self.get(period_id, indicator)
        rules.changeable(old, period_id, indicator)
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
        text = rules.check_text(explanation)
        old = rules.explainable(await self.get(period_id, indicator), period_id, indicator, level)
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
            (period_id, indicator, kind.value, to_x100_or_none(old_level), to_x100_or_none(new_level), old_text, new_text, by, at, reason),
        )

    async def lock(self, period_id: int, indicators: list[int] | None, by: int) -> list[int]:
        """Make answers final (all answered ones when ``indicators`` is None); returns those locked now."""
        await PeriodRepository(self._conn, self._clock).require(period_id)
        answers = {a.indicator: a for a in await self.list(period_id)}
        wanted = rules.to_lock(answers, indicators, period_id)
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
        reason = rules.check_reason(reason)
        answer = rules.reopenable(await self.get(period_id, indicator), period_id, indicator)
        now = self._now()
        await self._execute("UPDATE answers SET status = 'draft' WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        await self._history(
            period_id, indicator, ChangeKind.REOPEN, answer.level, answer.level, answer.explanation, answer.explanation, by, now, reason,
        )
        reopened = await self.get(period_id, indicator)
        assert reopened is not None
        return reopened

    async def list(self, period_id: int) -> list[Answer]:
        return [rows.answer(r) for r in await self._all("SELECT * FROM answers WHERE period_id = ? ORDER BY indicator", (period_id,))]

    async def levels(self, period_id: int) -> dict[int, Decimal]:
        found = await self._all("SELECT indicator, level_x100 FROM answers WHERE period_id = ?", (period_id,))
        return {r["indicator"]: from_x100(r["level_x100"]) for r in found}

    async def count(self, period_id: int) -> int:
        row = await self._one("SELECT COUNT(*) FROM answers WHERE period_id = ?", (period_id,))
        return int(row[0]) if row else 0

    # below the method `list`, the bare name means the method: hence `builtins.list`
    async def history(self, period_id: int, indicator: int | None = None) -> builtins.list[AnswerChange]:
        if indicator is None:
            found = await self._all("SELECT * FROM answer_history WHERE period_id = ? ORDER BY id", (period_id,))
        else:
            found = await self._all("SELECT * FROM answer_history WHERE period_id = ? AND indicator = ? ORDER BY id",
                                    (period_id, indicator))
        return [rows.change(r) for r in found]

    async def progress(self, period_ids: builtins.list[int] | None = None) -> builtins.list[PeriodProgress]:
        """Answered and final counts, last update and answers per member, for many periods at once."""
        where = ""
        params: tuple[int, ...] = ()
        if period_ids is not None:
            if not period_ids:
                return []
            where = f"WHERE a.period_id IN ({','.join('?' * len(period_ids))})"
            params = tuple(period_ids)
        totals = await self._all(
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
                last_update=rows.moment_or_none(r["last_update"]), by_member=members.get(r["period_id"], {}),
            )
            for r in totals
        ]

