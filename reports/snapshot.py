"""An evaluation as the deliverables see it: everything a renderer needs, read once, in plain data.

A snapshot is read in one transaction (``conversations.exports.snapshot``), so every file made from
it shows the same moment. Names are display names (no user ids leave the engine), times are aware
and in the assistant's time zone. Evidence items carry an optional review status and note, which
the evidence register fills once files are reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from knowledge.models import Aspect, Domain, Indicator, Pack
from knowledge.scoring import Evaluation, Score


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # koordinator, penanggung_jawab, officer


@dataclass(frozen=True)
class AnswerRecord:
    indicator: int
    level: Decimal
    explanation: str | None
    answered_by: str | None
    answered_at: datetime
    locked: bool


@dataclass(frozen=True)
class Review:
    """A lead's review of an item for one indicator (``storage.models.ReviewStatus``'s values)."""

    indicator: int
    status: str  # pending, accepted, revision, rejected, replaced
    note: str | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """An item of the evidence register supporting one or more indicators of the period."""

    code: str  # "B-007": the register's code, how the indicator lists and the evidence sheet refer to it
    name: str  # its title, else its file name
    kind: str  # document, photo
    size: int | None
    indicators: tuple[int, ...]
    uploaded_by: str | None
    uploaded_at: datetime
    caption: str | None = None
    reviews: tuple[Review, ...] = ()


@dataclass(frozen=True)
class PlanTargetView:
    kind: str  # index, predicate
    value: Decimal
    predicate: str | None
    year: int


@dataclass(frozen=True)
class PlanEntry:
    """One item of the improvement plan, with where it stands now."""

    indicator: int
    from_level: Decimal
    to_level: Decimal
    gain: Decimal  # exact share of the index the raise brings
    owner: str | None
    due: date | None
    done: bool  # the indicator's level has reached ``to_level``
    overdue: bool  # not done and past its due date


@dataclass(frozen=True)
class Plan:
    target: PlanTargetView | None = None
    entries: list[PlanEntry] = field(default_factory=list)
    after: Score | None = None  # the projected index once every item is done (None: no items)


@dataclass(frozen=True)
class Snapshot:
    institution: str
    institution_kind: str
    region: str | None
    year: int
    pack: Pack
    evaluation: Evaluation
    answers: dict[int, AnswerRecord]
    assignees: dict[int, str]  # indicator -> display name
    evidence: list[EvidenceItem]
    team: list[Person]
    plan: Plan
    made_at: datetime

    @property
    def indicators(self) -> list[Indicator]:
        return self.pack.indicators

    def evidence_of(self, number: int) -> list[EvidenceItem]:
        return [e for e in self.evidence if number in e.indicators]

    def plan_of(self, number: int) -> PlanEntry | None:
        return next((e for e in self.plan.entries if e.indicator == number), None)

    @property
    def coordinator(self) -> Person | None:
        """Who signs: the koordinator, else a penanggung jawab."""
        for role in ("koordinator", "penanggung_jawab"):
            person = next((p for p in self.team if p.role == role), None)
            if person is not None:
                return person
        return None


def localized(item: Domain | Aspect | Indicator, lang: str) -> str:
    """The name of a domain or aspect in ``lang`` (English where the pack has it); an indicator's
    official name, which has no translation."""
    if isinstance(item, Indicator):
        return item.name
    return item.name_en if lang == "en" and item.name_en else item.name


def level_of(pack: Pack, value: Decimal) -> int:
    """The level a value lies in: the value itself on a whole scale, its range on a fractional one
    (1.26 -> 1; a bound belongs to the level above it, the top of the scale to the top level)."""
    if not pack.scale.fractional or not pack.scale.ranges:
        return int(value)
    for level, bounds in sorted(pack.scale.ranges.items()):
        if bounds.min <= value < bounds.max:
            return level
    return pack.scale.max


def level_name(pack: Pack, indicator: Indicator, value: Decimal, lang: str) -> str:
    names = pack.capability_model(indicator.capability).levels
    name = names.get(level_of(pack, value))
    if name is None:
        return ""
    return name.name_en if lang == "en" else name.name
