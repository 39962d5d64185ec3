"""Where the improvement plan stands: each item against the current levels and the date, and the
index once every item is done. Read by ``/rencana``, ``/progres``, the reminders and the exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from knowledge.models import Pack
from knowledge.planning import total_weight
from knowledge.scoring import evaluate
from reports.snapshot import Plan, PlanEntry, PlanTargetView
from storage.models import Period
from storage.repositories import Session


async def plan_snapshot(tx: Session, pack: Pack, period: Period, levels: dict[int, Decimal], names: dict[int, str], today: date) -> Plan:
    """The plan of ``period`` with where each item stands at ``levels`` on ``today``."""
    target = await tx.plans.target(period.id)
    items = await tx.plans.items(period.id)
    weight = total_weight(pack)
    floor = Decimal(pack.scale.min)
    entries = []
    for item in items:
        now = levels.get(item.indicator, floor)
        done = now >= item.to_level
        gain = (item.to_level - item.from_level) * pack.indicator(item.indicator).weight / weight
        entries.append(PlanEntry(
            item.indicator, item.from_level, item.to_level, gain,
            names.get(item.owner_id) if item.owner_id is not None else None, item.due_on, done,
            not done and item.due_on is not None and item.due_on < today,
        ))
    after = None
    if entries:
        raised = {i.number: levels.get(i.number, floor) for i in pack.indicators}
        for entry in entries:
            raised[entry.indicator] = max(raised[entry.indicator], entry.to_level)
        after = evaluate(pack, raised).projected
    view = PlanTargetView(target.kind.value, target.value, target.predicate, target.year) if target else None
    return Plan(view, entries, after)
