"""The improvement plan of a period: its target and its items (one per indicator), on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from storage import rows, rules
from storage.models import PlanItem, PlanTarget, PlanTargetKind
from storage.postgres.base import Repository
from storage.postgres.evaluations import PeriodRepository
from storage.rows import to_x100


class PlanRepository(Repository):
    async def target(self, period_id: int) -> PlanTarget | None:
        row = await self._one("SELECT * FROM plan_targets WHERE period_id = %s", (period_id,))
        return rows.plan_target(row) if row else None

    async def set_target(self, *, period_id: int, kind: PlanTargetKind | str, value: Decimal, predicate: str | None, year: int,
                         by: int) -> PlanTarget:
        kind = rules.plan_target(await PeriodRepository(self._link, self._clock).shape(period_id), kind, value, predicate, year)
        row = await self._one(
            """INSERT INTO plan_targets (period_id, kind, value_x100, predicate, year, set_by, set_at) VALUES (%s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (period_id) DO UPDATE SET kind = excluded.kind, value_x100 = excluded.value_x100,
                   predicate = excluded.predicate, year = excluded.year, set_by = excluded.set_by, set_at = excluded.set_at
               RETURNING *""",
            (period_id, kind.value, to_x100(value), predicate, year, by, self._clock()),
        )
        assert row is not None
        return rows.plan_target(row)

    async def items(self, period_id: int) -> list[PlanItem]:
        found = await self._all("SELECT * FROM plan_items WHERE period_id = %s ORDER BY indicator", (period_id,))
        return [rows.plan_item(r) for r in found]

    async def item(self, period_id: int, indicator: int) -> PlanItem | None:
        row = await self._one("SELECT * FROM plan_items WHERE period_id = %s AND indicator = %s", (period_id, indicator))
        return rows.plan_item(row) if row else None

    async def set_item(self, *, period_id: int, indicator: int, from_level: Decimal, to_level: Decimal, by: int) -> PlanItem:
        """Add the indicator to the plan, or change the level it is to reach (its owner and due date stay)."""
        rules.plan_item(await PeriodRepository(self._link, self._clock).shape(period_id), indicator, from_level, to_level)
        now = self._clock()
        row = await self._one(
            """INSERT INTO plan_items (period_id, indicator, from_level_x100, to_level_x100, created_by, created_at, updated_by, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (period_id, indicator) DO UPDATE SET from_level_x100 = excluded.from_level_x100,
                   to_level_x100 = excluded.to_level_x100, updated_by = excluded.updated_by, updated_at = excluded.updated_at
               RETURNING *""",
            (period_id, indicator, to_x100(from_level), to_x100(to_level), by, now, by, now),
        )
        assert row is not None
        return rows.plan_item(row)

    async def set_owner(self, period_id: int, indicator: int, owner_id: int | None, by: int) -> PlanItem:
        return await self._update(period_id, indicator, "owner_id", owner_id, by)

    async def set_due(self, period_id: int, indicator: int, due_on: date | None, by: int) -> PlanItem:
        return await self._update(period_id, indicator, "due_on", due_on, by)

    async def _update(self, period_id: int, indicator: int, column: str, value: object, by: int) -> PlanItem:
        row = await self._one(
            f"""UPDATE plan_items SET {column} = %s, updated_by = %s, updated_at = %s WHERE period_id = %s AND indicator = %s
                RETURNING *""", (value, by, self._clock(), period_id, indicator))
        if row is None:
            raise rules.not_in_plan(period_id, indicator)
        return rows.plan_item(row)

    async def remove_item(self, period_id: int, indicator: int) -> bool:
        return await self._execute("DELETE FROM plan_items WHERE period_id = %s AND indicator = %s", (period_id, indicator)) > 0
