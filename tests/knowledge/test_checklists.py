"""The checklist of expected evidence per level, and the rule of the index of accepted evidence."""

from __future__ import annotations

from decimal import Decimal

from knowledge.checklists import INDICATOR_WIDE, NOT_RELEVANT, PRESENT, ItemState, credited, expected, gaps, window
from knowledge.packs import PackRegistry

PACKS = PackRegistry.load()
SPBE = PACKS.get("spbe-2020")
IND12 = SPBE.indicator(12)


def test_the_items_of_a_level_come_from_its_list_and_optional_ones_are_marked() -> None:
    items = expected(IND12, 4)
    assert [e.text for e in items] == IND12.levels[4].evidence
    assert [e.required for e in items] == [True, True, True, True, False]  # "Undangan ... (tidak wajib)"
    assert {e.level for e in items} == {4}


def test_packs_without_lists_per_level_use_the_indicators_own_list() -> None:
    old = PACKS.get("spbe-2018").indicator(1)
    items = expected(old, 3)
    assert {e.level for e in items} == {INDICATOR_WIDE} and [e.text for e in items] == old.evidence_examples


def test_the_window_is_the_claimed_level_and_the_next() -> None:
    assert window(SPBE, Decimal(3)) == [3, 4]
    assert window(SPBE, Decimal(5)) == [5]
    assert window(SPBE, None) == [1, 2]
    assert window(PACKS.get("pemdi-2026"), Decimal("1.26")) == [1, 2]


def accepted_all(level: int) -> dict[tuple[int, int], ItemState]:
    return {e.key: ItemState(PRESENT, accepted=True) for e in expected(IND12, level)}


def test_a_level_counts_only_when_all_its_required_evidence_is_accepted() -> None:
    states = accepted_all(3)
    assert credited(SPBE, IND12, Decimal(3), states, accepted_any=True) == 3
    assert credited(SPBE, IND12, Decimal(4), states, accepted_any=True) == 3  # level 4 not shown: down to 3
    states[(3, 0)] = ItemState(PRESENT, accepted=False)  # ticked, its file not (yet) accepted
    assert credited(SPBE, IND12, Decimal(3), states, accepted_any=True) == 1  # nothing below is shown: the lowest level
    assert gaps(SPBE, IND12, Decimal(3), states) == []  # but it is no gap: the item is there


def test_not_relevant_counts_only_from_a_lead_and_optional_items_never_block() -> None:
    states = accepted_all(4)
    states[(4, 4)] = ItemState()  # the optional invitation: not needed
    assert credited(SPBE, IND12, Decimal(4), states, accepted_any=True) == 4
    states[(4, 1)] = ItemState(NOT_RELEVANT, by_lead=False)
    assert credited(SPBE, IND12, Decimal(4), states, accepted_any=True) == 1
    assert [e.item for e in gaps(SPBE, IND12, Decimal(4), states)] == []  # settled by the officer: not a gap
    states[(4, 1)] = ItemState(NOT_RELEVANT, by_lead=True)
    assert credited(SPBE, IND12, Decimal(4), states, accepted_any=True) == 4


def test_gaps_are_required_items_of_the_claimed_level_not_ticked_present() -> None:
    states = {(3, 0): ItemState("missing")}
    assert [e.key for e in gaps(SPBE, IND12, Decimal(3), states)] == [(3, 0)]
    assert [e.key for e in gaps(SPBE, IND12, Decimal(4), {})] == [(4, 0), (4, 1), (4, 2), (4, 3)]


def test_a_fractional_value_is_kept_only_when_its_whole_level_is_shown() -> None:
    pemdi = PACKS.get("pemdi-2026")
    ind = pemdi.indicators[0]
    level_one = {e.key: ItemState(PRESENT, accepted=True) for e in expected(ind, 1)}
    assert credited(pemdi, ind, Decimal("1.26"), level_one, accepted_any=True) == Decimal("1.26")
    assert credited(pemdi, ind, Decimal("2.40"), level_one, accepted_any=True) == 1
    assert credited(pemdi, ind, Decimal("2.40"), {}, accepted_any=False) == 1


def test_a_level_without_a_list_needs_one_accepted_file() -> None:
    old = PACKS.get("spbe-2018")
    ind = old.indicator(1)
    every = {e.key: ItemState(NOT_RELEVANT, by_lead=True) for e in expected(ind, 3)}
    assert credited(old, ind, Decimal(3), every, accepted_any=False) == 0
    assert credited(old, ind, Decimal(3), every, accepted_any=True) == 3
