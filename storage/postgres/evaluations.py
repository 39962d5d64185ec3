"""Evaluation periods, and answers with their history, on PostgreSQL.

Every change of an answer first locks its row (``FOR UPDATE``) and reads it again, so concurrent
changes of one answer take turns: each history row's old level is the new level of the row before
it, and the answer is the last row's. A first answer has no row to lock yet: the insert takes the
key (``ON CONFLICT DO NOTHING``), and a writer that finds it taken meanwhile waits for the other
transaction, then locks the row and goes on as an edit.
"""

from __future__ import annotations

import builtins
from datetime import date, datetime
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
from storage.postgres.base import Repository
from storage.postgres.institutions import InstitutionRepository
from storage.rows import Row, from_x100, to_x100, to_x100_or_none


class PeriodRepository(Repository):
    async def create(
        self, *, institution_id: int, year: int, framework: str, level_min: int, level_max: int,
        indicator_count: int, fractional: bool = False, require_explanation: bool = False,
    ) -> Period:
        """Start a period; it keeps the framework's shape so answers can be checked without the pack."""
        await InstitutionRepository(self._link, self._clock).require(institution_id)
        rules.check_period_shape(year, level_min, level_max, indicator_count)
        period_id = await self._value(
            """INSERT INTO periods (institution_id, year, framework, level_min, level_max, fractional, indicator_count,
                                    require_explanation, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (institution_id, year) DO NOTHING RETURNING id""",
            (institution_id, year, framework, level_min, level_max, fractional, indicator_count, require_explanation, self._clock()),
        )
        if period_id is None:
            raise rules.period_exists(institution_id, year)
        return await self.require(period_id)

    async def _period(self, row: Row) -> Period:
        stages = await self._all("SELECT * FROM period_stages WHERE period_id = %s ORDER BY stage", (row["id"],))
        return rows.period(row, [rows.stage_dates(s) for s in stages])

    async def get(self, period_id: int) -> Period | None:
        row = await self._one("SELECT * FROM periods WHERE id = %s", (period_id,))
        return await self._period(row) if row else None

    async def require(self, period_id: int) -> Period:
        period = await self.get(period_id)
        if period is None:
            raise NotFound(f"evaluation period {period_id} does not exist")
        return period

    async def shape(self, period_id: int) -> Period:
        """The period without its stage dates, in one statement: what the checks of a write need."""
        row = await self._one("SELECT * FROM periods WHERE id = %s", (period_id,))
        if row is None:
            raise NotFound(f"evaluation period {period_id} does not exist")
        return rows.period(row, [])

    async def find(self, institution_id: int, year: int) -> Period | None:
        row = await self._one("SELECT * FROM periods WHERE institution_id = %s AND year = %s", (institution_id, year))
        return await self._period(row) if row else None

    async def latest(self, institution_id: int) -> Period | None:
        row = await self._one("SELECT * FROM periods WHERE institution_id = %s ORDER BY year DESC LIMIT 1", (institution_id,))
        return await self._period(row) if row else None

    async def list(self, institution_id: int) -> list[Period]:
        found = await self._all("SELECT * FROM periods WHERE institution_id = %s ORDER BY year", (institution_id,))
        return [await self._period(r) for r in found]

    async def set_status(self, period_id: int, status: PeriodStatus | str) -> Period:
        return await self._update(period_id, "status = %s", PeriodStatus(status).value)

    async def set_require_explanation(self, period_id: int, required: bool) -> Period:
        return await self._update(period_id, "require_explanation = %s", required)

    async def _update(self, period_id: int, assignment: str, value: object) -> Period:
        if not await self._execute(f"UPDATE periods SET {assignment} WHERE id = %s", (value, period_id)):
            raise NotFound(f"evaluation period {period_id} does not exist")
        return await self.require(period_id)

    async def set_stage(self, period_id: int, stage: Stage | str, starts_on: date | None, ends_on: date | None) -> Period:
        await self.require(period_id)
        rules.check_stage_dates(str(stage), starts_on, ends_on)
        await self._execute(
            """INSERT INTO period_stages (period_id, stage, starts_on, ends_on) VALUES (%s, %s, %s, %s)
               ON CONFLICT (period_id, stage) DO UPDATE SET starts_on = excluded.starts_on, ends_on = excluded.ends_on""",
            (period_id, Stage(stage).value, starts_on, ends_on),
        )
        return await self.require(period_id)


class AnswerRepository(Repository):
    max_explanation = MAX_EXPLANATION_CHARS

    async def get(self, period_id: int, indicator: int) -> Answer | None:
        row = await self._one("SELECT * FROM answers WHERE period_id = %s AND indicator = %s", (period_id, indicator))
        return rows.answer(row) if row else None

    async def _locked(self, period_id: int, indicator: int) -> Answer | None:
        """The answer, its row locked until the transaction ends (None: there is no row to lock)."""
        row = await self._one("SELECT * FROM answers WHERE period_id = %s AND indicator = %s FOR UPDATE", (period_id, indicator))
        return rows.answer(row) if row else None

    async def save(self, *, period_id: int, indicator: int, level: Decimal | int | str, explanation: str | None, by: int) -> Answer:
        """Create or change an answer and append the change to its history (one transaction)."""
        period = await PeriodRepository(self._link, self._clock).shape(period_id)
        value = rules.check_level(period, indicator, level)
        text = rules.check_text(explanation)
        old = await self._locked(period_id, indicator)
        if old is None:
            now = self._clock()
            created = await self._one(
                """INSERT INTO answers (period_id, indicator, level_x100, explanation, status, answered_by, updated_at)
                   VALUES (%s, %s, %s, %s, 'draft', %s, %s) ON CONFLICT (period_id, indicator) DO NOTHING RETURNING *""",
                (period_id, indicator, to_x100(value), text, by, now),
            )
            if created is not None:
                await self._history(period_id, indicator, ChangeKind.ANSWER, None, value, None, text, by, now, None)
                return rows.answer(created)
            old = await self._locked(period_id, indicator)  # another transaction answered it first, and has committed
            assert old is not None
        rules.changeable(old, period_id, indicator)
        if old.level == value and old.explanation == text:
            return old
        now = self._clock()  # taken once the row is locked: the history's times follow its order
        row = await self._one(
            """UPDATE answers SET level_x100 = %s, explanation = %s, answered_by = %s, updated_at = %s
               WHERE period_id = %s AND indicator = %s RETURNING *""",
            (to_x100(value), text, by, now, period_id, indicator),
        )
        assert row is not None
        await self._history(period_id, indicator, ChangeKind.EDIT, old.level, value, old.explanation, text, by, now, None)
        return rows.answer(row)

    async def explain(self, *, period_id: int, indicator: int, level: Decimal, explanation: str | None, by: int) -> Answer:
        """Set the penjelasan of the answer that is at ``level``; the level and who chose it stay.

        Raises :class:`Conflict` (code ``level_changed``) when the answer is no longer at ``level``
        (someone changed it since the writer opened it), and :class:`NotFound` when it is gone.
        """
        text = rules.check_text(explanation)
        old = rules.explainable(await self._locked(period_id, indicator), period_id, indicator, level)
        if old.explanation == text:
            return old
        now = self._clock()
        row = await self._one(
            "UPDATE answers SET explanation = %s, updated_at = %s WHERE period_id = %s AND indicator = %s RETURNING *",
            (text, now, period_id, indicator),
        )
        assert row is not None
        await self._history(period_id, indicator, ChangeKind.EDIT, old.level, old.level, old.explanation, text, by, now, None)
        return rows.answer(row)

    async def _history(self, period_id: int, indicator: int, kind: ChangeKind, old_level: Decimal | None, new_level: Decimal | None,
                       old_text: str | None, new_text: str | None, by: int, at: datetime, reason: str | None) -> None:
        await self._execute(
            """INSERT INTO answer_history (period_id, indicator, kind, old_level_x100, new_level_x100, old_explanation,
                                           new_explanation, by_user, at, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (period_id, indicator, kind.value, to_x100_or_none(old_level), to_x100_or_none(new_level), old_text, new_text, by, at, reason),
        )

    async def lock(self, period_id: int, indicators: list[int] | None, by: int) -> list[int]:
        """Make answers final (all answered ones when ``indicators`` is None); returns those locked now.

        The period's answers are locked in indicator order first, so a lock and the officers' saves
        take turns: a save that comes later finds the answer final."""
        await PeriodRepository(self._link, self._clock).shape(period_id)
        found = await self._all("SELECT * FROM answers WHERE period_id = %s ORDER BY indicator FOR UPDATE", (period_id,))
        answers = {a.indicator: a for a in map(rows.answer, found)}
        wanted = [n for n in rules.to_lock(answers, indicators, period_id) if answers[n].status is not AnswerStatus.FINAL]
        if not wanted:
            return []
        now = self._clock()
        await self._execute("UPDATE answers SET status = 'final' WHERE period_id = %s AND indicator = ANY(%s)", (period_id, wanted))
        await self._execute(
            """INSERT INTO answer_history (period_id, indicator, kind, old_level_x100, new_level_x100, old_explanation,
                                           new_explanation, by_user, at)
               SELECT period_id, indicator, 'lock', level_x100, level_x100, explanation, explanation, %s, %s
               FROM answers WHERE period_id = %s AND indicator = ANY(%s) ORDER BY indicator""",
            (by, now, period_id, wanted),
        )
        return wanted

    async def reopen(self, period_id: int, indicator: int, by: int, reason: str) -> Answer:
        reason = rules.check_reason(reason)
        answer = rules.reopenable(await self._locked(period_id, indicator), period_id, indicator)
        now = self._clock()
        row = await self._one("UPDATE answers SET status = 'draft' WHERE period_id = %s AND indicator = %s RETURNING *",
                              (period_id, indicator))
        assert row is not None
        await self._history(
            period_id, indicator, ChangeKind.REOPEN, answer.level, answer.level, answer.explanation, answer.explanation, by, now, reason,
        )
        return rows.answer(row)

    async def list(self, period_id: int) -> list[Answer]:
        return [rows.answer(r) for r in await self._all("SELECT * FROM answers WHERE period_id = %s ORDER BY indicator", (period_id,))]

    async def levels(self, period_id: int) -> dict[int, Decimal]:
        found = await self._all("SELECT indicator, level_x100 FROM answers WHERE period_id = %s", (period_id,))
        return {r["indicator"]: from_x100(r["level_x100"]) for r in found}

    async def count(self, period_id: int) -> int:
        return int(await self._value("SELECT COUNT(*) FROM answers WHERE period_id = %s", (period_id,)))

    # below the method `list`, the bare name means the method: hence `builtins.list`
    async def history(self, period_id: int, indicator: int | None = None) -> builtins.list[AnswerChange]:
        if indicator is None:
            found = await self._all("SELECT * FROM answer_history WHERE period_id = %s ORDER BY id", (period_id,))
        else:
            found = await self._all("SELECT * FROM answer_history WHERE period_id = %s AND indicator = %s ORDER BY id",
                                    (period_id, indicator))
        return [rows.change(r) for r in found]

    async def progress(self, period_ids: builtins.list[int] | None = None) -> builtins.list[PeriodProgress]:
        """Answered and final counts, last update and answers per member, for many periods at once."""
        if period_ids is not None and not period_ids:
            return []
        where, params = ("WHERE a.period_id = ANY(%s)", (period_ids,)) if period_ids is not None else ("", ())
        totals = await self._all(
            f"""SELECT a.period_id, p.institution_id, COUNT(*) AS answered, COUNT(*) FILTER (WHERE a.status = 'final') AS final,
                       MAX(a.updated_at) AS last_update
                FROM answers a JOIN periods p ON p.id = a.period_id {where}
                GROUP BY a.period_id, p.institution_id ORDER BY a.period_id""",
            params,
        )
        members: dict[int, dict[int, int]] = {}
        for row in await self._all(
            f"SELECT a.period_id, a.answered_by, COUNT(*) AS n FROM answers a {where} GROUP BY a.period_id, a.answered_by", params
        ):
            members.setdefault(row["period_id"], {})[row["answered_by"]] = row["n"]
        return [
            PeriodProgress(
                period_id=r["period_id"], institution_id=r["institution_id"], answered=r["answered"], final=r["final"],
                last_update=r["last_update"], by_member=members.get(r["period_id"], {}),
            )
            for r in totals
        ]
