"""The plan's proposal on known cases, checked against a brute force that shares no code with it:
every combination of raises of the indicators that can move is tried, the index is computed with
the flat formula written out here, and the fewest raises (then the largest index, then the lowest
levels) are compared with the proposal. The proposal's own index is checked with the engine's
``evaluate``."""

from __future__ import annotations

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from knowledge.models import Pack
from knowledge.packs import PackRegistry
from knowledge.planning import PlanningError, Target, propose
from knowledge.scoring import evaluate

PACKS = PackRegistry.load()


def displayed(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def brute_force(pack: Pack, levels: dict[int, Decimal], target: Decimal) -> tuple[int, Decimal, Decimal] | None:
    """(raises, index, sum of levels raised to) of the best plan, trying every combination of the
    movable indicators (every one below the top of the scale)."""
    floor, top = pack.scale.min, pack.scale.max
    weights = {i.number: i.weight for i in pack.indicators}
    total = sum(weights.values())
    start = {n: levels.get(n, Decimal(floor)) for n in weights}
    movable = [n for n in weights if start[n] < top]
    choices = []
    for n in movable:
        first = math.floor(start[n]) + 1
        path = [Decimal(level) for level in range(first, top + 1)]
        choices.append([(0, start[n], Decimal(0))] + [(k, path[k - 1], sum(path[:k])) for k in range(1, len(path) + 1)])
    best = None
    for combo in itertools.product(*choices):
        values = dict(start)
        for n, (_, level, _) in zip(movable, combo, strict=True):
            values[n] = level
        index = sum(values[n] * weights[n] for n in weights) / total
        if displayed(index) < target:
            continue
        key = (sum(c[0] for c in combo), -index, sum(c[2] for c in combo))
        if best is None or key < best:
            best = key
    return None if best is None else (best[0], -best[1], best[2])


def at_top_except(pack: Pack, others: dict[int, Decimal]) -> dict[int, Decimal]:
    levels = {i.number: Decimal(pack.scale.max) for i in pack.indicators}
    levels.update(others)
    return levels


def check(pack: Pack, levels: dict[int, Decimal], target: Target) -> None:
    proposal = propose(pack, levels, target)
    expected = brute_force(pack, levels, target.value)
    if expected is None:
        assert not proposal.reachable
        return
    steps, index, height = expected
    assert proposal.reachable and proposal.steps == steps
    after = dict(levels)
    after.update({r.indicator: r.to_level for r in proposal.raises})
    evaluation = evaluate(pack, after)
    assert evaluation.projected.value >= target.value and evaluation.projected.value == proposal.after.value
    assert evaluation.projected.exact == index
    assert sum(sum(range(math.floor(r.from_level) + 1, int(r.to_level) + 1)) for r in proposal.raises) == height
    for r in proposal.raises:
        weight = pack.indicator(r.indicator).weight
        assert r.gain * sum(i.weight for i in pack.indicators) == (r.to_level - r.from_level) * weight


SPBE = PACKS.get("spbe-2020")
CASES_2020 = [
    # indicators 42-47 weigh 3.00, 32-41 2.75, 11-20 2.50, 21-31 1.50, 1-10 1.30
    ({42: Decimal(2), 33: Decimal(1), 12: Decimal(3), 25: Decimal(1), 3: Decimal(2), 7: Decimal(4)}, "4.85"),
    ({42: Decimal(2), 33: Decimal(1), 12: Decimal(3), 25: Decimal(1), 3: Decimal(2), 7: Decimal(4)}, "4.93"),
    ({44: Decimal(1), 45: Decimal(1), 36: Decimal(2), 14: Decimal(1), 29: Decimal(3), 1: Decimal(1)}, "4.70"),
    ({44: Decimal(1), 36: Decimal(1), 14: Decimal(1), 29: Decimal(1), 1: Decimal(1), 2: Decimal(1)}, "4.99"),
    ({44: Decimal(4), 36: Decimal(4), 14: Decimal(4), 29: Decimal(4), 1: Decimal(4), 2: Decimal(4)}, "4.96"),
]


@pytest.mark.parametrize(("others", "target"), CASES_2020)
def test_the_fewest_raises_reach_an_index_target_spbe_2020(others: dict[int, Decimal], target: str) -> None:
    check(SPBE, at_top_except(SPBE, others), Target.index(SPBE, Decimal(target)))


def test_fractional_values_where_taking_the_heaviest_first_is_not_fewest() -> None:
    """pemdi-2026: indicator 20 (weight 15 of 100) at 4.95 gains 0.0075 from its raise, indicator 19
    (weight 10) at 4 gains 0.10: the heaviest-first rule would spend a raise on 20 first."""
    pack = PACKS.get("pemdi-2026")
    assert (pack.indicator(20).weight, pack.indicator(19).weight, pack.indicator(1).weight) == (15, 10, 5)
    levels = at_top_except(pack, {20: Decimal("4.95"), 19: Decimal(4), 1: Decimal("3.50")})  # 4.8175 -> 4.82
    for value in ("4.85", "4.90", "4.92", "4.93", "4.95", "4.98", "5.00"):
        check(pack, levels, Target.index(pack, Decimal(value)))
    proposal = propose(pack, levels, Target.index(pack, Decimal("4.92")))
    assert [(r.indicator, r.to_level) for r in proposal.raises] == [(19, 5)] and proposal.after.value == Decimal("4.92")


@pytest.mark.parametrize("values", [("1.26", "2.90", "1.00", "3.40"), ("4.99", "4.50", "2.01", "1.99")])
def test_fractional_cases_pemdi_2026(values: tuple[str, ...]) -> None:
    pack = PACKS.get("pemdi-2026")
    numbers = [1, 6, 12, 20]
    levels = at_top_except(pack, {n: Decimal(v) for n, v in zip(numbers, values, strict=True)})
    for target in ("4.60", "4.80", "4.95", "5.00"):
        check(pack, levels, Target.index(pack, Decimal(target)))


def test_spbe_2018_with_weights_that_add_up_to_a_little_over_100() -> None:
    pack = PACKS.get("spbe-2018")
    levels = at_top_except(pack, {26: Decimal(0), 33: Decimal(2), 8: Decimal(1), 1: Decimal(3)})
    for target in ("4.70", "4.85", "4.95", "5.00"):
        check(pack, levels, Target.index(pack, Decimal(target)))


def test_a_predicate_target_and_one_reached_already() -> None:
    levels = {i.number: Decimal(2) for i in SPBE.indicators}  # index 2.00, Cukup
    proposal = propose(SPBE, levels, Target.predicate(SPBE, "Baik"))
    # 2.60 needs 0.595 more: the 3.00-weight indicators (6 of them, 3 raises each) give 0.54, and
    # the 19.8 raises of 3.00 needed would take 20; 20 raises x 3.00 = 0.60
    assert proposal.reachable and proposal.steps == 20 and proposal.after.value == Decimal("2.60")
    assert proposal.after.predicate.label == "Baik"
    assert {r.indicator for r in proposal.raises} >= set(range(42, 48))
    reached = propose(SPBE, levels, Target.predicate(SPBE, "Cukup"))
    assert reached.reached_already and reached.steps == 0


def test_unanswered_indicators_count_at_the_lowest_level_and_are_marked() -> None:
    proposal = propose(SPBE, {}, Target.index(SPBE, Decimal("1.06")))
    assert proposal.before.value == Decimal("1.00")
    assert proposal.steps == 2 and all(not r.answered for r in proposal.raises)
    assert [r.indicator for r in proposal.raises] == [42, 43]  # equal gains: the lower levels... all 1, then the pack's order


def test_an_unreachable_target_says_so() -> None:
    pack = PACKS.get("spbe-2018")
    with pytest.raises(PlanningError):
        Target.index(pack, Decimal("5.01"))
    with pytest.raises(PlanningError):
        Target.predicate(pack, "Luar Biasa")
    levels = {i.number: Decimal(5) for i in pack.indicators}
    assert propose(pack, levels, Target.index(pack, Decimal("5.00"))).reached_already
    almost = propose(pack, {**levels, 26: Decimal(0)}, Target.index(pack, Decimal("5.00")))
    assert almost.reachable and almost.steps == 5


def test_the_lowest_levels_are_raised_first_among_equal_gains() -> None:
    """Two 3.00-weight indicators at 1 and 4: one raise each gains the same; the one at 1 is taken."""
    levels = at_top_except(SPBE, {42: Decimal(4), 43: Decimal(1)})
    proposal = propose(SPBE, levels, Target.index(SPBE, Decimal("4.88")))
    assert [(r.indicator, r.from_level, r.to_level) for r in proposal.raises] == [(43, 1, 2)]
