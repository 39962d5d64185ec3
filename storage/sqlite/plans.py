"""The improvement plan of a period: its target and its items (one per indicator)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from storage import rows, rules
from storage.models import Period, PlanItem, PlanTarget, PlanTargetKind
from storage.rows import to_x100
from storage.sqlite.base import Repository
from storage.sqlite.evaluations import PeriodRepository


class PlanRepository(Repository):
    async def _period(self, period_id: int) -> Period:
        return await PeriodRepository(self._conn, self._clock).require(period_id)

    async def target(self, period_id: int) -> PlanTarget | None:
        row = await self._one("SELECT * FROM plan_targets WHERE period_id = ?", (period_id,))
        return rows.plan_target(row) if row else None

    async def set_target(self, *, period_id: int, kind: PlanTargetKind | str, value: Decimal, predicate: str | None, year: int,
                         by: int) -> PlanTarget:
        kind = rules.plan_target(await self._period(period_id), kind, value, predicate, year)
        await self._execute(
            """INSERT INTO plan_targets (period_id, kind, value_x100, predicate, year, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (period_id) DO UPDATE SET kind = excluded.kind, value_x100 = excluded.value_x100,
                   predicate = excluded.predicate, year = excluded.year, set_by = excluded.set_by, set_at = excluded.set_at""",
            (period_id, kind.value, to_x100(value), predicate, year, by, self._now()),
        )
        target = await self.target(period_id)
        assert target is not None
        return target

    async def items(self, period_id: int) -> list[PlanItem]:
        found = await self._all("SELECT * FROM plan_items WHERE period_id = ? ORDER BY indicator", (period_id,))
        return [rows.plan_item(r) for r in found]

    async def item(self, period_id: int, indicator: int) -> PlanItem | None:
        row = await self._one("SELECT * FROM plan_items WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        return rows.plan_item(row) if row else None

    async def set_item(self, *, period_id: int, indicator: int, from_level: Decimal, to_level: Decimal, by: int) -> PlanItem:
        """Add the indicator to the plan, or change the level it is to reach (its owner and due date stay)."""
        rules.plan_item(await self._period(period_id), indicator, from_level, to_level)
        now = self._now()
        await self._execute(
            """INSERT INTO plan_items (period_id, indicator, from_level_x100, to_level_x100, created_by, created_at, updated_by, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (period_id, indicator) DO UPDATE SET from_level_x100 = excluded.from_level_x100,
                   to_level_x100 = excluded.to_level_x100, updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
            (period_id, indicator, to_x100(from_level), to_x100(to_level), by, now, by, now),
        )
        return await self._require(period_id, indicator)

    async def set_owner(self, period_id: int, indicator: int, owner_id: int | None, by: int) -> PlanItem:
        await self._require(period_id, indicator)
        await self._execute("UPDATE plan_items SET owner_id = ?, updated_by = ?, updated_at = ? WHERE period_id = ? AND indicator = ?",
                            (owner_id, by, self._now(), period_id, indicator))
        return await self._require(period_id, indicator)

    async def set_due(self, period_id: int, indicator: int, due_on: date | None, by: int) -> PlanItem:
        await self._require(period_id, indicator)
        await self._execute("UPDATE plan_items SET due_on = ?, updated_by = ?, updated_at = ? WHERE period_id = ? AND indicator = ?",
                            (due_on.isoformat() if due_on else None, by, self._now(), period_id, indicator))
        return await self._require(period_id, indicator)

    async def remove_item(self, period_id: int, indicator: int) -> bool:
        cursor = await self._execute("DELETE FROM plan_items WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        return cursor.rowcount > 0

    async def _require(self, period_id: int, indicator: int) -> PlanItem:
        item = await self.item(period_id, indicator)
        if item is None:
            raise rules.not_in_plan(period_id, indicator)
        return item
