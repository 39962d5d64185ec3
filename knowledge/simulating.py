"""What-if figures computed by the scoring engine: pure functions over a pack, no I/O.

Every figure here is a simulation of the official formula (``knowledge.scoring.evaluate``), not an
official result; the answers that show them say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from knowledge.models import Pack
from knowledge.scoring import HUNDRED, Score, evaluate, round_half_up


@dataclass(frozen=True)
class Part:
    """The part of a framework a scenario sets apart: an indicator, an aspect or a domain."""

    kind: str  # indicator, aspect, domain
    key: str  # indicator number, aspect or domain id
    title: str
    weight: Decimal  # percent of the index
    indicators: tuple[int, ...]


@dataclass(frozen=True)
class Simulation:
    """One computed scenario and how it was computed."""

    kind: str  # all (every indicator at one level), part (a part at one level, the rest at another), raise
    score: Score | None  # the index of the scenario (None for a bare "raise one level")
    level: Decimal | None = None  # every indicator (all), or the part (part)
    rest: Decimal | None = None  # the other indicators (part)
    rest_default: bool = False  # the rest was not given: counted at the lowest level of the scale
    part: Part | None = None
    steps: int = 0  # levels raised (raise)
    gain: Decimal | None = None  # index gain of the raise
    base: Score | None = None  # index before the raise, when a base was given


def part_of(pack: Pack, kind: str, key: str) -> Part:
    if kind == "indicator":
        indicator = pack.indicator(int(key))
        return Part(kind, key, f"{indicator.number}. {indicator.short_name}", indicator.weight, (indicator.number,))
    if kind == "aspect":
        aspect = pack.aspect(key)
        return Part(kind, key, aspect.name, aspect.weight, tuple(i.number for i in pack.indicators_of_aspect(key)))
    domain = pack.domain(key)
    numbers = tuple(i.number for a in pack.aspects_of_domain(key) for i in pack.indicators_of_aspect(a.id))
    return Part(kind, key, domain.name, domain.weight, numbers)


def in_scale(pack: Pack, value: Decimal) -> bool:
    scale = pack.scale
    if not scale.min <= value <= scale.max:
        return False
    return value == value.quantize(Decimal("0.01")) if scale.fractional else value == value.to_integral_value()


def everything_at(pack: Pack, level: Decimal) -> Simulation:
    evaluation = evaluate(pack, {i.number: level for i in pack.indicators})
    assert evaluation.index is not None
    return Simulation("all", evaluation.index, level=level)


def part_at(pack: Pack, part: Part, level: Decimal, rest: Decimal | None) -> Simulation:
    others = Decimal(pack.scale.min) if rest is None else rest
    levels = {i.number: (level if i.number in part.indicators else others) for i in pack.indicators}
    evaluation = evaluate(pack, levels)
    assert evaluation.index is not None
    return Simulation("part", evaluation.index, level=level, rest=others, rest_default=rest is None, part=part)


def raised(pack: Pack, part: Part, steps: int, base: Decimal | None) -> Simulation:
    """``part`` (one indicator) raised by ``steps`` levels: the gain, and the index when a base is given."""
    steps = max(0, min(steps, pack.scale.max - pack.scale.min))  # no indicator climbs past the top of the scale
    gain = part.weight * steps / HUNDRED
    if base is None:
        return Simulation("raise", None, part=part, steps=steps, gain=gain)
    top = Decimal(pack.scale.max)
    before = evaluate(pack, {i.number: base for i in pack.indicators})
    after_levels = {i.number: (min(base + steps, top) if i.number in part.indicators else base) for i in pack.indicators}
    after = evaluate(pack, after_levels)
    assert before.index is not None and after.index is not None
    return Simulation("raise", after.index, level=base, part=part, steps=steps, gain=after.index.exact - before.index.exact,
                      base=before.index)


@dataclass(frozen=True)
class Extremes:
    """The heaviest or lightest parts of a framework, or the lowest and highest index."""

    kind: str  # heaviest, lightest, range
    of: str  # indicator, aspect, domain (heaviest, lightest)
    parts: tuple[Part, ...] = ()
    weight: Decimal | None = None
    lowest: Score | None = None
    highest: Score | None = None


def extremes(pack: Pack, kind: str, of: str = "indicator") -> Extremes:
    if kind == "range":
        low = everything_at(pack, Decimal(pack.scale.min)).score
        high = everything_at(pack, Decimal(pack.scale.max)).score
        return Extremes("range", of, lowest=low, highest=high)
    if of == "domain" and pack.domains:
        parts = [part_of(pack, "domain", d.id) for d in pack.domains]
    elif of in {"aspect", "domain"}:
        parts = [part_of(pack, "aspect", a.id) for a in pack.aspects]
        of = "aspect"
    else:
        parts = [part_of(pack, "indicator", str(i.number)) for i in pack.indicators]
    weight = max(p.weight for p in parts) if kind == "heaviest" else min(p.weight for p in parts)
    return Extremes(kind, of, tuple(p for p in parts if p.weight == weight), weight)


def rounded(value: Decimal) -> Decimal:
    return round_half_up(value)
