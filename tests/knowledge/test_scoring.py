"""Index, predicate, projection and next moves against the official formula and band edges."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from knowledge.packs import PackRegistry
from knowledge.scoring import Score, ScoringError, band_targets, combine, evaluate, index_score, next_moves, round_half_up

D = Decimal


@pytest.fixture(scope="module")
def packs() -> PackRegistry:
    return PackRegistry.load()


@pytest.fixture(scope="module")
def spbe2020(packs):
    return packs.get("spbe-2020")


def by_hand(pack, levels: dict[int, int]) -> Decimal:
    """Sum(level x weight)/100 over every indicator: the flat form of the official formula."""
    return sum((D(levels[i.number]) * i.weight for i in pack.indicators), D(0)) / 100


def test_official_worked_example(spbe2020) -> None:
    # PermenPANRB 59/2020: aspect 2 with indicators 11-14 at 3, 4, 3, 2 -> 3.00
    assert combine([(D(3), D("2.5")), (D(4), D("2.5")), (D(3), D("2.5")), (D(2), D("2.5"))]) == D(3)
    # domain 2 with aspect indices 3.00 / 4.00 / 3.00 and weights 10 / 10 / 5 -> 3.40
    assert combine([(D(3), D(10)), (D(4), D(10)), (D(3), D(5))]) == D("3.4")
    # index from domains 3.70 / 3.40 / 3.00 / 3.20 with weights 13 / 25 / 16.5 / 45.5 -> 3.28 Baik
    index = Score.of(spbe2020, combine([(D("3.7"), D(13)), (D("3.4"), D(25)), (D(3), D("16.5")), (D("3.2"), D("45.5"))]))
    assert (index.value, index.predicate.label) == (D("3.28"), "Baik")


def test_worked_example_through_the_pack(spbe2020) -> None:
    levels = {11: 3, 12: 4, 13: 3, 14: 2, 15: 4, 16: 4, 17: 4, 18: 4, 19: 3, 20: 3}
    ev = evaluate(spbe2020, levels)
    assert ev.aspects["A2"].value == D("3.00")
    assert ev.aspects["A3"].value == D("4.00")
    assert ev.domains["D2"].value == D("3.40")
    assert ev.domains["D1"] is None and ev.aspects["A1"] is None
    assert ev.index.value == D("3.40") and ev.answered == 10 and not ev.complete


def test_complete_evaluation_equals_the_flat_formula(spbe2020) -> None:
    levels = {n: (n * 7) % 5 + 1 for n in range(1, 48)}
    ev = evaluate(spbe2020, levels)
    assert ev.complete
    assert ev.index.exact == ev.projected.exact
    assert ev.index.value == round_half_up(by_hand(spbe2020, levels))


@pytest.mark.parametrize(
    ("value", "label"),
    [("2.60", "Baik"), ("2.59", "Cukup"), ("4.20", "Memuaskan"), ("4.19", "Sangat Baik"), ("3.50", "Sangat Baik"),
     ("3.49", "Baik"), ("1.80", "Cukup"), ("1.79", "Kurang"), ("1.00", "Kurang"), ("5.00", "Memuaskan")],
)
def test_band_edges_2020(spbe2020, value: str, label: str) -> None:
    assert Score.of(spbe2020, D(value)).predicate.label == label


def test_predicate_comes_from_the_rounded_value(spbe2020) -> None:
    # 2.595 is shown as 2.60, so it must be "Baik", not the "Cukup" of the unrounded value.
    score = Score.of(spbe2020, D("2.595"))
    assert (score.value, score.predicate.label) == (D("2.60"), "Baik")
    assert round_half_up(D("3.275")) == D("3.28") and round_half_up(D("3.2749")) == D("3.27")


def test_all_lowest_and_all_highest(packs) -> None:
    for framework, low, high in (("spbe-2020", "1.00", "5.00"), ("spbe-2018", "0.00", "5.00"), ("pemdi-2026", "1.00", "5.00")):
        pack = packs.get(framework)
        bottom = evaluate(pack, {i.number: pack.scale.min for i in pack.indicators})
        top = evaluate(pack, {i.number: pack.scale.max for i in pack.indicators})
        assert (bottom.index.value, bottom.index.predicate.label) == (D(low), "Kurang"), framework
        assert (top.index.value, top.index.predicate.label) == (D(high), "Memuaskan"), framework
        assert next_moves(pack, top) == [] and band_targets(pack, top) == []


def test_level_zero_in_2018(packs) -> None:
    pack = packs.get("spbe-2018")
    levels = {i.number: 0 for i in pack.indicators}
    levels.update(dict.fromkeys(range(25, 36), 5))  # only the services domain (55 %) at the top
    ev = evaluate(pack, levels)
    assert ev.domains["D1"].value == D("0.00") and ev.domains["D3"].value == D("5.00")
    assert (ev.index.value, ev.index.predicate.label) == (D("2.75"), "Baik")
    projection = evaluate(pack, {1: 3})
    assert projection.projected.value == D("0.03")  # the rest counted at level 0


def test_pemdi_2026_bands_and_fractional_values(packs) -> None:
    pack = packs.get("pemdi-2026")
    assert Score.of(pack, D("4.00")).predicate.label == "Memuaskan"
    assert Score.of(pack, D("3.99")).predicate.label == "Sangat Baik"
    assert Score.of(pack, D("2.50")).predicate.label == "Baik"
    assert Score.of(pack, D("1.50")).predicate.label == "Cukup"
    assert Score.of(pack, D("1.49")).predicate.label == "Kurang"
    # The external assessors' 2026 result for one kabupaten (pemdi-2026.md §1.1): 1.2415 -> 1.24 Kurang.
    values = {1: "2.0", 2: "1.5", 3: "1.26", 4: "1.3", 11: "1.5", 12: "1.25", 13: "1.17", 17: "2.5", 20: "1.3"}
    levels = {n: D(values.get(n, "1")) for n in range(1, 21)}
    ev = evaluate(pack, levels)
    assert ev.index.exact == D("1.2415")
    assert (ev.index.value, ev.index.predicate.label) == (D("1.24"), "Kurang")
    assert ev.aspects["A1"].value == D("1.75") and ev.aspects["A6"].value == D("1.40")


def test_the_index_alone_is_the_evaluations_index(packs) -> None:
    """What heads the card after an answer (index_score) is evaluate()'s index, partial sets and
    fractional values included, in every pack."""
    pick = random.Random(2026)
    for pack in packs:
        scale = pack.scale
        for size in (1, 5, len(pack.indicators) // 2, len(pack.indicators)):
            numbers = pick.sample([i.number for i in pack.indicators], size)
            if scale.fractional:
                levels = {n: D(pick.randint(int(scale.min * 100), int(scale.max * 100))) / 100 for n in numbers}
            else:
                levels = {n: pick.randint(int(scale.min), int(scale.max)) for n in numbers}
            assert index_score(pack, levels) == evaluate(pack, levels).index, (pack.id, levels)
    assert index_score(packs.get("spbe-2020"), {}) is None


def test_partial_evaluation_gives_both_readings(spbe2020) -> None:
    ev = evaluate(spbe2020, {32: 5, 33: 5})
    assert ev.index.value == D("5.00")
    # projected: 2 x 2.75 x 5 + 97.5 x 1 (the rest at level 1) = 27.5 + 94.5 -> 1.22
    assert ev.projected.value == round_half_up((D("27.5") + (D(100) - D("5.5"))) / 100)
    assert ev.projected.predicate.label == "Kurang"


def test_next_moves_are_ranked_by_gain(spbe2020) -> None:
    levels = dict.fromkeys(range(1, 48), 3)
    levels[47] = 5
    moves = next_moves(spbe2020, evaluate(spbe2020, levels))
    assert [m.indicator for m in moves[:5]] == [42, 43, 44, 45, 46]  # 3.00 % each
    assert moves[0].gain == D("0.03") and moves[0].to_level == D(4)
    assert 47 not in {m.indicator for m in moves}
    assert moves[-1].gain == D("0.013")  # a 1.30 % policy indicator


def test_fewest_steps_to_the_next_band(spbe2020) -> None:
    levels = dict.fromkeys(range(1, 48), 3)  # exactly 3.00: Baik
    ev = evaluate(spbe2020, levels)
    to_next, after = band_targets(spbe2020, ev)
    assert to_next.band.label == "Sangat Baik" and to_next.gap == D("0.50")
    # the heaviest-first count must equal the brute-force minimum
    assert to_next.reachable and to_next.index_after >= D("3.50")
    assert to_next.steps == _minimum_steps(spbe2020, levels, D("3.50"))
    assert after.band.label == "Memuaskan" and after.steps == _minimum_steps(spbe2020, levels, D("4.20"))
    assert after.steps > to_next.steps


def _minimum_steps(pack, levels, threshold) -> int:
    """Brute force over the number of steps: the k heaviest available steps are the best k steps."""
    gains = sorted((i.weight / 100 for i in pack.indicators for _ in range(levels[i.number], pack.scale.max)), reverse=True)
    index = by_hand(pack, levels)
    for k in range(len(gains) + 1):
        if round_half_up(index + sum(gains[:k], D(0))) >= threshold:
            return k
    raise AssertionError("unreachable")


def test_bad_levels_are_refused_with_the_reason(spbe2020, packs) -> None:
    with pytest.raises(ScoringError, match="indicator 48 does not exist in spbe-2020"):
        evaluate(spbe2020, {48: 3})
    with pytest.raises(ScoringError, match=r"level 6 is outside the scale 1\.\.5"):
        evaluate(spbe2020, {3: 6})
    with pytest.raises(ScoringError, match=r"level 0 is outside the scale 1\.\.5"):
        evaluate(spbe2020, {3: 0})
    with pytest.raises(ScoringError, match="whole levels only"):
        evaluate(spbe2020, {3: "2.5"})
    with pytest.raises(ScoringError, match="more than two decimals"):
        evaluate(packs.get("pemdi-2026"), {3: "2.555"})
