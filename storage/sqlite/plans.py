"""The improvement plan of a period: its target and its items (one per indicator)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from storage.errors import InvalidInput, NotFound
from storage.models import Period, PlanItem, PlanTarget, PlanTargetKind
from storage.sqlite.base import Repository, Row, from_x100, parse_date_or_none, parse_time, to_x100
from storage.sqlite.evaluations import PeriodRepository


def _target(row: Row) -> PlanTarget:
    return PlanTarget(
        period_id=row["period_id"], kind=row["kind"], value=from_x100(row["value_x100"]), predicate=row["predicate"],
        year=row["year"], set_by=row["set_by"], set_at=parse_time(row["set_at"]),
    )


def _item(row: Row) -> PlanItem:
    return PlanItem(
        period_id=row["period_id"], indicator=row["indicator"], from_level=from_x100(row["from_level_x100"]),
        to_level=from_x100(row["to_level_x100"]), owner_id=row["owner_id"], due_on=parse_date_or_none(row["due_on"]),
        created_by=row["created_by"], created_at=parse_time(row["created_at"]), updated_by=row["updated_by"],
        updated_at=parse_time(row["updated_at"]),
    )


def _in_scale(period: Period, level: Decimal, what: str) -> None:
    if not period.level_min <= level <= period.level_max or level != level.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what} {level} is outside the scale {period.level_min}..{period.level_max} of {period.framework}")
    if what == "level" and not period.fractional and level != level.to_integral_value():
        raise InvalidInput(f"{period.framework} takes whole levels only, not {level}")


class PlanRepository(Repository):
    async def _period(self, period_id: int) -> Period:
        return await PeriodRepository(self._conn, self._clock).require(period_id)

    async def target(self, period_id: int) -> PlanTarget | None:
        row = await self._one("SELECT * FROM plan_targets WHERE period_id = ?", (period_id,))
        return _target(row) if row else None

    async def set_target(self, *, period_id: int, kind: PlanTargetKind | str, value: Decimal, predicate: str | None, year: int,
                         by: int) -> PlanTarget:
        period = await self._period(period_id)
        kind = PlanTargetKind(kind)
        _in_scale(period, value, "target index")
        if (kind is PlanTargetKind.PREDICATE) != bool(predicate):
            raise InvalidInput("a predicate target names its predicate; an index target names none")
        if not period.year <= year <= period.year + 10:
            raise InvalidInput(f"target year {year} is not between {period.year} and {period.year + 10}")
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
        rows = await self._all("SELECT * FROM plan_items WHERE period_id = ? ORDER BY indicator", (period_id,))
        return [_item(r) for r in rows]

    async def item(self, period_id: int, indicator: int) -> PlanItem | None:
        row = await self._one("SELECT * FROM plan_items WHERE period_id = ? AND indicator = ?", (period_id, indicator))
        return _item(row) if row else None

    async def set_item(self, *, period_id: int, indicator: int, from_level: Decimal, to_level: Decimal, by: int) -> PlanItem:
        """Add the indicator to the plan, or change the level it is to reach (its owner and due date stay)."""
        period = await self._period(period_id)
        if not 1 <= indicator <= period.indicator_count:
            raise InvalidInput(f"indicator {indicator} does not exist in {period.framework} (1..{period.indicator_count})")
        _in_scale(period, from_level, "level")
        _in_scale(period, to_level, "level")
        if to_level <= from_level:
            raise InvalidInput(f"indicator {indicator}: the planned level {to_level} is not above {from_level}")
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
            raise NotFound(f"indicator {indicator} is not in the plan of period {period_id}")
        return item
