"""Index, predicate and "what next" calculations: pure functions over a pack and a set of levels.

Official formula (PermenPANRB 59/2020, the same shape in 5/2018 and 8/2026): an aspect's index is the
weighted mean of its indicators' values, a domain's the weighted mean of its aspects, and the index
the weighted mean of the domains. With nested weights this equals sum(value x weight) / 100.

Conventions of this assistant (the sources state none):

* Values are rounded half up to two decimals (3.275 -> 3.28) and the predicate is taken from the
  rounded value, so the number shown and its predicate always agree.
* A partial evaluation has two readings. *Over answered* divides by the weight of the answered
  indicators only (what the answers so far are worth). *Projected* counts every unanswered
  indicator at the lowest level of the scale (the index if nothing more were answered).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from knowledge.models import Pack, PredicateBand

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class ScoringError(ValueError):
    """Levels that do not fit the pack: unknown indicator or a value outside the scale."""


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Score:
    exact: Decimal
    value: Decimal
    predicate: PredicateBand

    @classmethod
    def of(cls, pack: Pack, exact: Decimal) -> Score:
        value = round_half_up(exact)
        return cls(exact=exact, value=value, predicate=pack.predicate_for(value))


@dataclass(frozen=True)
class Move:
    indicator: int
    from_level: Decimal
    to_level: Decimal
    gain: Decimal
    answered: bool = True


@dataclass(frozen=True)
class BandTarget:
    """The fewest whole-level steps that lift the (projected) index into ``band``."""

    band: PredicateBand
    gap: Decimal
    reachable: bool
    steps: int
    moves: list[Move]
    index_after: Decimal | None


@dataclass(frozen=True)
class Evaluation:
    framework: str
    answered: int
    total: int
    index: Score | None
    projected: Score
    aspects: dict[str, Score | None]
    domains: dict[str, Score | None]
    # None only where nothing weighs: an aspect whose indicator weights add up to 0 (a domain likewise)
    projected_aspects: dict[str, Score | None]
    projected_domains: dict[str, Score | None]
    levels: dict[int, Decimal] = field(repr=False)

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def check_levels(pack: Pack, levels: Mapping[int, Decimal | int | float | str]) -> dict[int, Decimal]:
    """Normalise answer values to Decimal; refuse unknown indicators and values outside the scale."""
    scale = pack.scale
    clean: dict[int, Decimal] = {}
    for number, raw in levels.items():
        if not pack.has_indicator(number):
            raise ScoringError(f"indicator {number} does not exist in {pack.id} (1..{len(pack.indicators)})")
        whole = type(raw) is int  # the common case: no parsing, no fraction to check
        try:
            value = Decimal(raw) if whole else Decimal(str(raw))
        except InvalidOperation:
            raise ScoringError(f"indicator {number}: {raw!r} is not a number") from None
        if not value.is_finite() or not scale.min <= value <= scale.max:
            raise ScoringError(f"indicator {number}: level {raw} is outside the scale {scale.min}..{scale.max} of {pack.id}")
        if scale.fractional:
            if not whole and value != value.quantize(CENT):
                raise ScoringError(f"indicator {number}: {raw} has more than two decimals")
        elif not whole and value != value.to_integral_value():
            raise ScoringError(f"indicator {number}: {pack.id} takes whole levels only, not {raw}")
        clean[number] = value
    return clean


def combine(parts: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Weighted mean of (value, weight) pairs; None when the weights add up to nothing.

    This is each step of the official formula: indicators -> aspect, aspects -> domain,
    domains -> index (sum of value x weight, divided by the sum of the weights).
    """
    total = weight = Decimal(0)
    for value, part_weight in parts:
        total += value * part_weight
        weight += part_weight
    return total / weight if weight else None


@dataclass(frozen=True)
class _Layer:
    """Values of one layer (aspects or domains) with the weight that stands behind each value."""

    values: dict[str, Decimal]
    weights: dict[str, Decimal]


def _aggregate(pack: Pack, levels: Mapping[int, Decimal]) -> tuple[_Layer, _Layer, Decimal | None]:
    aspects = _Layer({}, {})
    for aspect in pack.aspects:
        parts = [(levels[i.number], i.weight) for i in pack.indicators_of_aspect(aspect.id) if i.number in levels]
        value = combine(parts)
        if value is not None:
            aspects.values[aspect.id] = value
            aspects.weights[aspect.id] = sum((w for _, w in parts), Decimal(0))
    domains = _Layer({}, {})
    for domain in pack.domains:
        parts = [(aspects.values[a.id], aspects.weights[a.id]) for a in pack.aspects_of_domain(domain.id) if a.id in aspects.values]
        value = combine(parts)
        if value is not None:
            domains.values[domain.id] = value
            domains.weights[domain.id] = sum((w for _, w in parts), Decimal(0))
    top = domains if pack.domains else aspects
    index = combine((top.values[key], top.weights[key]) for key in top.values)
    return aspects, domains, index


def evaluate(pack: Pack, levels: Mapping[int, Decimal | int | float | str]) -> Evaluation:
    """Index, aspects and domains over answered indicators, and the projection of the whole set."""
    answered = check_levels(pack, levels)
    floor = Decimal(pack.scale.min)
    projected = {i.number: answered.get(i.number, floor) for i in pack.indicators}
    aspects, domains, index = _aggregate(pack, answered)
    all_aspects, all_domains, full_index = _aggregate(pack, projected)

    def scores(layer: _Layer, ids: list[str]) -> dict[str, Score | None]:
        return {key: Score.of(pack, layer.values[key]) if key in layer.values else None for key in ids}

    aspect_ids = [a.id for a in pack.aspects]
    domain_ids = [d.id for d in pack.domains]
    assert full_index is not None
    return Evaluation(
        framework=pack.id,
        answered=len(answered),
        total=len(pack.indicators),
        index=Score.of(pack, index) if index is not None else None,
        projected=Score.of(pack, full_index),
        aspects=scores(aspects, aspect_ids),
        domains=scores(domains, domain_ids),
        projected_aspects=scores(all_aspects, aspect_ids),
        projected_domains=scores(all_domains, domain_ids),
        levels=answered,
    )


def index_score(pack: Pack, levels: Mapping[int, Decimal | int | float | str]) -> Score | None:
    """The index over the answered indicators alone, as :func:`evaluate` gives it, without the
    aspects, domains and projection (what heads the card after every answer needs only this)."""
    _, _, index = _aggregate(pack, check_levels(pack, levels))
    return None if index is None else Score.of(pack, index)


def _next_whole_level(value: Decimal) -> Decimal:
    return value.to_integral_value(ROUND_FLOOR) + 1


def next_moves(pack: Pack, evaluation: Evaluation) -> list[Move]:
    """One level up for every indicator below the top, ranked by the index gain it brings.

    Unanswered indicators are counted at the lowest level (the projection), and marked so.
    """
    top = Decimal(pack.scale.max)
    floor = Decimal(pack.scale.min)
    moves = []
    for indicator in pack.indicators:
        current = evaluation.levels.get(indicator.number)
        start = floor if current is None else current
        if start >= top:
            continue
        target = min(_next_whole_level(start), top)
        gain = (target - start) * indicator.weight / HUNDRED
        moves.append(Move(indicator.number, start, target, gain, answered=current is not None))
    moves.sort(key=lambda m: (-m.gain, m.indicator))
    return moves


def _bands_above(pack: Pack, value: Decimal) -> list[PredicateBand]:
    return sorted((b for b in pack.predicates if b.min > value), key=lambda b: b.min)


def _reaches(band: PredicateBand, exact: Decimal) -> bool:
    value = round_half_up(exact)
    return value >= band.min if band.min_inclusive else value > band.min


def steps_to_band(pack: Pack, evaluation: Evaluation, band: PredicateBand) -> BandTarget:
    """Fewest whole-level steps from the projected index into ``band``.

    Each step raises one indicator by one level and is worth weight/100; taking the heaviest
    indicators first gives the fewest steps (exact for whole levels).
    """
    top = Decimal(pack.scale.max)
    floor = Decimal(pack.scale.min)
    current = {i.number: evaluation.levels.get(i.number, floor) for i in pack.indicators}
    answered = set(evaluation.levels)
    exact = evaluation.projected.exact
    gap = max(band.min - evaluation.projected.value, Decimal(0))
    taken: dict[int, Decimal] = {}
    steps = 0
    by_weight = sorted(pack.indicators, key=lambda i: (-i.weight, i.number))
    for indicator in by_weight:
        while not _reaches(band, exact) and current[indicator.number] < top:
            target = min(_next_whole_level(current[indicator.number]), top)
            exact += (target - current[indicator.number]) * indicator.weight / HUNDRED
            current[indicator.number] = target
            taken[indicator.number] = target
            steps += 1
        if _reaches(band, exact):
            break
    reachable = _reaches(band, exact)
    start = {i.number: evaluation.levels.get(i.number, floor) for i in pack.indicators}
    moves = [
        Move(n, start[n], to, (to - start[n]) * pack.indicator(n).weight / HUNDRED, answered=n in answered)
        for n, to in taken.items()
    ]
    if not reachable:
        return BandTarget(band, gap, reachable=False, steps=0, moves=[], index_after=None)
    return BandTarget(band, gap, reachable=True, steps=steps, moves=moves, index_after=round_half_up(exact))


def band_targets(pack: Pack, evaluation: Evaluation, count: int = 2) -> list[BandTarget]:
    """The next predicate band above the projected index, and the one after (``count`` bands)."""
    return [steps_to_band(pack, evaluation, band) for band in _bands_above(pack, evaluation.projected.value)[:count]]
