"""The improvement plan's proposal: the fewest level raises that lift the index to a target.

A *raise* lifts one indicator by one level: from a whole level to the next, or from a fractional
value to the next whole level (1.26 -> 2). Its gain is ``(new - old) x weight / W`` of the index,
where ``W`` is the sum of the pack's indicator weights (100 in a pack whose weights add up exactly;
the nested official formula is linear in the indicator values, so gains add up). A target is
reached when the index *as displayed* (rounded half up to two decimals) is at or above the target
index, or inside the target predicate band.

What "fewest" means, and how it is found:

1. The fewest raises in all. With whole levels, taking the heaviest indicators first would be
   exact, but a fractional value breaks that (the raise 1.90 -> 2 is worth a tenth of 1 -> 2), so a
   dynamic programme over the indicators computes, for every count ``k``, the largest gain ``k``
   raises can bring; the smallest ``k`` whose gain reaches the target is the size of the plan.
2. Among plans of that size, the one that lifts the index most: the most margin above the target.
3. Among those, the one that raises the lowest levels (the sum of the levels raised to is
   smallest): a step from 1 to 2 usually needs less evidence than one from 4 to 5, and two
   indicators raised one level each are spread over two owners.
4. Then a fixed order (the indicators' order in the pack), so the same levels give the same plan.

Gains, margins and sums are added up exactly (``Decimal``), so ties are real ties. The programme
is small: indicators x raises x levels, about 40,000 steps for 47 indicators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from knowledge.models import Pack, PredicateBand
from knowledge.scoring import Score, round_half_up

TargetKind = Literal["index", "predicate"]


class PlanningError(ValueError):
    """A target that does not fit the pack (outside the scale, an unknown predicate)."""


@dataclass(frozen=True)
class Target:
    """An index value (two decimals) or a predicate band to reach."""

    kind: TargetKind
    value: Decimal  # the index to reach; for a predicate, its band's lower bound
    band: PredicateBand | None = None

    @classmethod
    def index(cls, pack: Pack, value: Decimal) -> Target:
        if value != value.quantize(Decimal("0.01")) or not pack.scale.min <= value <= pack.scale.max:
            scale = f"{pack.scale.min} to {pack.scale.max}"
            raise PlanningError(f"a target index is a value from {scale} with at most two decimals, not {value}")
        return cls("index", value)

    @classmethod
    def predicate(cls, pack: Pack, label: str) -> Target:
        for band in pack.predicates:
            if band.label.casefold() == label.casefold() or band.label_en.casefold() == label.casefold():
                return cls("predicate", band.min, band)
        raise PlanningError(f"{label!r} is not a predicate of {pack.id}: {', '.join(b.label for b in pack.predicates)}")

    def reached_by(self, displayed: Decimal) -> bool:
        """Whether an index shown as ``displayed`` (already rounded) meets the target."""
        if self.band is not None and not self.band.min_inclusive:
            return displayed > self.band.min
        return displayed >= self.value


@dataclass(frozen=True)
class Raise:
    """One indicator of the plan: raised from ``from_level`` to ``to_level`` in ``steps`` raises."""

    indicator: int
    from_level: Decimal
    to_level: Decimal
    steps: int
    gain: Decimal  # exact share of the index
    answered: bool  # False: unanswered, counted at the lowest level


@dataclass(frozen=True)
class Proposal:
    target: Target
    before: Score  # the projected index now (unanswered indicators at the lowest level)
    reachable: bool  # False: even every indicator at the top does not reach the target
    raises: list[Raise]  # in the pack's order; empty when reached already or unreachable
    after: Score | None  # the index once every raise is made (None when unreachable)

    @property
    def steps(self) -> int:
        return sum(r.steps for r in self.raises)

    @property
    def reached_already(self) -> bool:
        return self.reachable and not self.raises

    @property
    def gain(self) -> Decimal:
        return sum((r.gain for r in self.raises), Decimal(0))


def total_weight(pack: Pack) -> Decimal:
    return sum((i.weight for i in pack.indicators), Decimal(0))


def raise_levels(start: Decimal, top: int) -> list[Decimal]:
    """The levels one indicator passes through when raised from ``start``: 1.26 -> [2, 3, 4, 5]."""
    first = start.to_integral_value(ROUND_FLOOR) + 1
    return [Decimal(level) for level in range(int(first), top + 1)]


# A plan's worth in the order of preference: more gain, then a lower sum of the levels raised to.
_Worth = tuple[Decimal, Decimal]


def _better(a: _Worth, b: _Worth) -> bool:
    return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1])


def propose(pack: Pack, levels: Mapping[int, Decimal], target: Target) -> Proposal:
    """The fewest raises from ``levels`` (the answers; unanswered indicators count at the lowest
    level, as in the projected index) that reach ``target``; see the module's docstring."""
    floor, top = Decimal(pack.scale.min), pack.scale.max
    weight = total_weight(pack)
    start = {i.number: Decimal(levels.get(i.number, floor)) for i in pack.indicators}
    exact = sum((start[i.number] * i.weight for i in pack.indicators), Decimal(0)) / weight
    before = Score.of(pack, exact)
    if target.reached_by(before.value):
        return Proposal(target, before, True, [], before)

    # options[n]: (steps, gain, sum of the levels raised to, level reached) for 1..all raises of n
    options: dict[int, list[tuple[int, Decimal, Decimal, Decimal]]] = {}
    for indicator in pack.indicators:
        path = raise_levels(start[indicator.number], top)
        options[indicator.number] = [
            (count, (level - start[indicator.number]) * indicator.weight / weight, sum(path[:count], Decimal(0)), level)
            for count, level in enumerate(path, start=1)
        ]
    most = sum(len(o) for o in options.values())

    # best[k]: the best worth of exactly k raises over the indicators seen so far, with the choice
    # made for each indicator (kept per layer to rebuild the plan).
    best: list[_Worth | None] = [(Decimal(0), Decimal(0))] + [None] * most
    choices: list[list[int]] = []  # per indicator, per k: the number of raises it takes
    for indicator in pack.indicators:
        layer: list[_Worth | None] = list(best)
        took = [0] * (most + 1)
        for k in range(most + 1):
            base = best[k]
            if base is None:
                continue
            for count, gain, height, _ in options[indicator.number]:
                if k + count > most:
                    break
                worth = (base[0] + gain, base[1] + height)
                current = layer[k + count]
                if current is None or _better(worth, current):
                    layer[k + count] = worth
                    took[k + count] = count
        best = layer
        choices.append(took)

    size = next((k for k, worth in enumerate(best) if worth is not None and target.reached_by(round_half_up(exact + worth[0]))), None)
    if size is None:
        return Proposal(target, before, False, [], None)

    raises: list[Raise] = []
    k = size
    for indicator, took in zip(reversed(pack.indicators), reversed(choices), strict=True):
        count = took[k]
        if count:
            steps, gain, _, level = options[indicator.number][count - 1]
            raises.append(Raise(indicator.number, start[indicator.number], level, steps, gain, indicator.number in levels))
            k -= count
    assert k == 0
    raises.reverse()
    gained = sum((r.gain for r in raises), Decimal(0))
    return Proposal(target, before, True, raises, Score.of(pack, exact + gained))
