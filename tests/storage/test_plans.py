"""The improvement plan's records on a real SQLite file: a target, items, owners, due dates, bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from storage import Database
from storage.errors import InvalidInput, NotFound
from storage.models import PlanTargetKind
from tests.storage.conftest import make_period


async def test_a_target_is_set_and_replaced(db: Database) -> None:
    _, period = await make_period(db)
    assert await db.read.plans.target(period) is None
    async with db.transaction() as tx:
        await tx.plans.set_target(period_id=period, kind="predicate", value=Decimal("2.6"), predicate="Baik", year=2026, by=7)
    async with db.transaction() as tx:
        await tx.plans.set_target(period_id=period, kind="index", value=Decimal("3.25"), predicate=None, year=2027, by=7)
    target = await db.read.plans.target(period)
    assert target is not None and (target.kind, target.value, target.predicate, target.year) == (PlanTargetKind.INDEX, Decimal("3.25"),
                                                                                                None, 2027)


@pytest.mark.parametrize(("kind", "value", "predicate", "year"), [
    ("index", Decimal("5.5"), None, 2026),  # above the scale
    ("index", Decimal("3.255"), None, 2026),  # three decimals
    ("index", Decimal(3), None, 2024),  # before the period's year
    ("index", Decimal(3), None, 2040),  # too far ahead
    ("predicate", Decimal("2.6"), None, 2026),  # a predicate target without its predicate
    ("index", Decimal(3), "Baik", 2026),
    ("ranking", Decimal(3), None, 2026),
])
async def test_bad_targets_are_refused(db: Database, kind: str, value: Decimal, predicate: str | None, year: int) -> None:
    _, period = await make_period(db)
    with pytest.raises((InvalidInput, ValueError)):
        async with db.transaction() as tx:
            await tx.plans.set_target(period_id=period, kind=kind, value=value, predicate=predicate, year=year, by=7)
    assert await db.read.plans.target(period) is None


async def test_items_keep_their_owner_and_due_date_when_their_level_changes(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.plans.set_item(period_id=period, indicator=42, from_level=Decimal(2), to_level=Decimal(3), by=7)
        await tx.plans.set_item(period_id=period, indicator=12, from_level=Decimal(1), to_level=Decimal(2), by=7)
        await tx.plans.set_owner(period, 42, 8, by=7)
        await tx.plans.set_due(period, 42, date(2027, 6, 30), by=7)
    async with db.transaction() as tx:
        item = await tx.plans.set_item(period_id=period, indicator=42, from_level=Decimal(2), to_level=Decimal(4), by=9)
    assert (item.to_level, item.owner_id, item.due_on, item.created_by, item.updated_by) == (Decimal(4), 8, date(2027, 6, 30), 7, 9)
    assert [i.indicator for i in await db.read.plans.items(period)] == [12, 42]
    async with db.transaction() as tx:
        assert await tx.plans.remove_item(period, 12)
        assert not await tx.plans.remove_item(period, 12)
        await tx.plans.set_due(period, 42, None, by=7)
    assert [(i.indicator, i.due_on) for i in await db.read.plans.items(period)] == [(42, None)]


async def test_fractional_levels_round_trip(db: Database) -> None:
    _, period = await make_period(db, framework="pemdi-2026", indicators=20, fractional=True)
    async with db.transaction() as tx:
        item = await tx.plans.set_item(period_id=period, indicator=20, from_level=Decimal("1.26"), to_level=Decimal(2), by=7)
    assert (item.from_level, item.to_level) == (Decimal("1.26"), Decimal(2))


@pytest.mark.parametrize(("indicator", "start", "to"), [(48, 1, 2), (0, 1, 2), (5, 3, 3), (5, 3, 2), (5, 4, 6), (5, 1, Decimal("2.5"))])
async def test_bad_items_are_refused(db: Database, indicator: int, start: int, to: Decimal) -> None:
    _, period = await make_period(db)
    with pytest.raises(InvalidInput):
        async with db.transaction() as tx:
            await tx.plans.set_item(period_id=period, indicator=indicator, from_level=Decimal(start), to_level=Decimal(to), by=7)
    with pytest.raises(NotFound):
        async with db.transaction() as tx:
            await tx.plans.set_owner(period, 5, 8, by=7)
    assert await db.read.plans.items(period) == []
