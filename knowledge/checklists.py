"""The evidence checklist of an indicator, and the rule of the index that counts only accepted evidence.

**The checklist.** The items expected at a level are the pack's evidence list of that level; a pack
(or a level) without such a list falls back to the indicator's own list of evidence examples
(spbe-2018 lists evidence per indicator only), marked :data:`INDICATOR_WIDE`. An item the pack marks
as not required ("tidak wajib", "tidak disyaratkan") is shown but never counted as missing.

**What counts** (the index of accepted evidence, shown beside the claimed one):

* An expected item is *met* when it is ticked "sudah ada" and at least one register item attached
  to it was accepted (diterima) by a penanggung jawab or koordinator for this indicator, or when a
  penanggung jawab or koordinator ticked it "tidak relevan". An officer's own "tidak relevan" does
  not count until a lead sets it.
* A level is *shown* when every required item of its list is met; a level whose list is empty (or
  all "tidak relevan") needs at least one accepted register item for the indicator.
* An indicator counts at the highest level at or below the claimed one that is shown: the claimed
  value itself when its own (whole) level is shown, that lower whole level otherwise, and the
  lowest level of the scale when none is.

Lower levels are not required on the way up: the framework's lists for a level already include
what is carried over from below ("kebijakan yang telah lolos kriteria level 1 sampai 4"), and teams
upload the evidence of the level they claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from knowledge.models import Indicator, Pack

INDICATOR_WIDE = -1  # the "level" of items from the indicator's own evidence list
OPTIONAL_MARKERS = ("tidak wajib", "tidak disyaratkan", "opsional")
PRESENT, MISSING, NOT_RELEVANT = "present", "missing", "not_relevant"


@dataclass(frozen=True)
class Expected:
    """One expected evidence item: the list it is in (a level, or INDICATOR_WIDE) and its place."""

    level: int
    item: int
    text: str
    required: bool

    @property
    def key(self) -> tuple[int, int]:
        return self.level, self.item


@dataclass(frozen=True)
class ItemState:
    """How the team ticked an expected item, and whether a file shown with it was accepted."""

    status: str | None = None  # PRESENT, MISSING, NOT_RELEVANT; None: not ticked
    by_lead: bool = False
    accepted: bool = False

    def met(self) -> bool:
        return (self.status == PRESENT and self.accepted) or (self.status == NOT_RELEVANT and self.by_lead)

    def settled(self) -> bool:
        """Ticked so that nothing more is expected of it (present, or not relevant)."""
        return self.status in (PRESENT, NOT_RELEVANT)


def required(text: str) -> bool:
    lowered = text.lower()
    return not any(marker in lowered for marker in OPTIONAL_MARKERS)


def listed(ind: Indicator, scope: int) -> list[Expected]:
    """The items of one list: a level's own (empty when it has none), or the indicator's (INDICATOR_WIDE)."""
    criteria = ind.levels.get(scope)
    texts = ind.evidence_examples if scope == INDICATOR_WIDE else criteria.evidence if criteria is not None else []
    return [Expected(scope, i, text, required(text)) for i, text in enumerate(texts)]


def expected(ind: Indicator, level: int) -> list[Expected]:
    """The items expected at ``level`` (the indicator's own list where the level has none)."""
    return listed(ind, level) or listed(ind, INDICATOR_WIDE)


def claimed_level(pack: Pack, value: Decimal) -> int:
    """The whole level a value claims (1.26 claims level 1), within the scale."""
    return max(pack.scale.min, min(pack.scale.max, int(value.to_integral_value(rounding=ROUND_FLOOR))))


def window(pack: Pack, value: Decimal | None) -> list[int]:
    """The levels the checklist shows: the claimed one and the next (the lowest two when unanswered)."""
    first = claimed_level(pack, value) if value is not None else pack.scale.min
    levels = [first, first + 1] if first + 1 <= pack.scale.max else [first]
    return [level for level in levels if level in pack.scale.levels()]


def level_shown(ind: Indicator, level: int, states: Mapping[tuple[int, int], ItemState], accepted_any: bool) -> bool:
    items = [e for e in expected(ind, level) if e.required]
    counted = [e for e in items if not (states.get(e.key, ItemState()).status == NOT_RELEVANT and states[e.key].by_lead)]
    if not counted:
        return accepted_any
    return all(states.get(e.key, ItemState()).met() for e in counted)


def credited(pack: Pack, ind: Indicator, value: Decimal, states: Mapping[tuple[int, int], ItemState], accepted_any: bool) -> Decimal:
    """The value the indicator counts at in the index of accepted evidence (rule: module docstring)."""
    top = claimed_level(pack, value)
    for level in range(top, pack.scale.min - 1, -1):
        if level_shown(ind, level, states, accepted_any):
            return value if level == top else Decimal(level)
    return Decimal(pack.scale.min)


def gaps(pack: Pack, ind: Indicator, value: Decimal, states: Mapping[tuple[int, int], ItemState]) -> list[Expected]:
    """Required items of the claimed level that are not ticked present or not relevant."""
    return [e for e in expected(ind, claimed_level(pack, value)) if e.required and not states.get(e.key, ItemState()).settled()]
