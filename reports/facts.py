"""The figures every deliverable shows, derived once from a snapshot: parts, strengths and
weaknesses, recommendations. Pure functions; the scoring itself is ``knowledge.scoring``'s."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from knowledge.models import Indicator, PredicateBand
from knowledge.scoring import Score, next_moves
from reports.snapshot import Snapshot, localized

STRONG = 4  # levels 4-5 are strengths, 1-2 weaknesses (the evaluation report's convention)
WEAK = 2
RECOMMENDATIONS = 5


@dataclass(frozen=True)
class PartRow:
    """A domain or an aspect: its weight and value (over answered indicators, and projected)."""

    key: str
    name: str
    weight: Decimal
    score: Score | None
    projected: Score | None
    answered: int
    total: int


def _row(snapshot: Snapshot, key: str, name: str, weight: Decimal, numbers: list[int], score: Score | None,
         projected: Score | None) -> PartRow:
    answered = sum(n in snapshot.evaluation.levels for n in numbers)
    return PartRow(key, name, weight, score, projected, answered, len(numbers))


def domains(snapshot: Snapshot, lang: str) -> list[PartRow]:
    """The domains (none in a pack without domains)."""
    pack, ev = snapshot.pack, snapshot.evaluation
    return [
        _row(snapshot, d.id, localized(d, lang), d.weight,
             [i.number for a in pack.aspects_of_domain(d.id) for i in pack.indicators_of_aspect(a.id)],
             ev.domains.get(d.id), ev.projected_domains.get(d.id))
        for d in pack.domains
    ]


def aspects(snapshot: Snapshot, lang: str) -> list[PartRow]:
    pack, ev = snapshot.pack, snapshot.evaluation
    return [
        _row(snapshot, a.id, localized(a, lang), a.weight, [i.number for i in pack.indicators_of_aspect(a.id)],
             ev.aspects.get(a.id), ev.projected_aspects.get(a.id))
        for a in pack.aspects
    ]


def headline(snapshot: Snapshot) -> Score:
    """The index a report leads with: over every indicator when all are answered, else the
    projection (unanswered indicators at the lowest level), which the report labels as such."""
    ev = snapshot.evaluation
    return ev.index if ev.complete and ev.index is not None else ev.projected


def strengths(snapshot: Snapshot) -> list[tuple[Indicator, Decimal]]:
    levels = snapshot.evaluation.levels
    return [(snapshot.pack.indicator(n), v) for n, v in sorted(levels.items(), key=lambda i: (-i[1], i[0])) if v >= STRONG]


def weaknesses(snapshot: Snapshot) -> list[tuple[Indicator, Decimal]]:
    levels = snapshot.evaluation.levels
    return [(snapshot.pack.indicator(n), v) for n, v in sorted(levels.items(), key=lambda i: (i[1], i[0])) if v <= WEAK]


@dataclass(frozen=True)
class Recommendation:
    """What one of the weakest high-weight indicators misses for its next level."""

    indicator: Indicator
    from_level: Decimal
    to_level: int
    gain: Decimal
    criteria: str  # the next level's criteria
    evidence: list[str]  # the evidence that level expects


def recommendations(snapshot: Snapshot, count: int = RECOMMENDATIONS) -> list[Recommendation]:
    """The raises worth most to the index (weight x levels gained), lower levels first among equal
    gains, with the next level's criteria and evidence from the pack."""
    pack = snapshot.pack
    moves = sorted(next_moves(pack, snapshot.evaluation), key=lambda m: (-m.gain, m.from_level, m.indicator))
    found = []
    for move in moves:
        indicator = pack.indicator(move.indicator)
        level = int(move.to_level)
        criteria = indicator.levels.get(level)
        if criteria is None:
            continue
        found.append(Recommendation(indicator, move.from_level, level, move.gain, criteria.criteria, list(criteria.evidence)))
        if len(found) == count:
            break
    return found


def predicate_label(band: PredicateBand, lang: str) -> str:
    """The official (Indonesian) predicate, with the English word for English readers: "Baik (Good)"."""
    return f"{band.label} ({band.label_en})" if lang == "en" else band.label
