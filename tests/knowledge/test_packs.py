"""Loading the shipped packs, and refusing broken ones with precise messages."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.models import SUMMARY_MAX, LevelCriteria, shorten
from knowledge.packs import BUILTIN_DIR, PackError, PackRegistry, load_pack

SPBE_2020 = BUILTIN_DIR / "spbe-2020.yaml"
PEMDI_2026 = BUILTIN_DIR / "pemdi-2026.yaml"


@pytest.fixture(scope="module")
def raw_2020() -> dict[str, Any]:
    return yaml.safe_load(SPBE_2020.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw_2026() -> dict[str, Any]:
    return yaml.safe_load(PEMDI_2026.read_text(encoding="utf-8"))


def problems_after(raw: dict[str, Any], change: Callable[[dict[str, Any]], None], tmp_path: Path) -> list[str]:
    data = copy.deepcopy(raw)
    change(data)
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(file)
    assert caught.value.file == str(file)
    return [str(p) for p in caught.value.problems]


def indicator(data: dict[str, Any], number: int) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["number"] == number)


# --- the shipped packs ------------------------------------------------------------------------


def test_shipped_packs_load_with_their_structure() -> None:
    registry = PackRegistry.load()
    shape = {p.id: (len(p.domains), len(p.aspects), len(p.indicators), p.scale.min, p.scale.max) for p in registry}
    assert shape == {
        "spbe-2020": (4, 8, 47, 1, 5),
        "spbe-2018": (3, 7, 35, 0, 5),
        "pemdi-2026": (0, 7, 20, 1, 5),
    }


@pytest.mark.parametrize("framework", ["spbe-2020", "spbe-2018", "pemdi-2026"])
def test_every_indicator_has_every_level_and_the_glossary_is_rich(framework: str) -> None:
    pack = PackRegistry.load().get(framework)
    for ind in pack.indicators:
        assert sorted(ind.levels) == pack.scale.levels(), ind.number
        assert all(len(c.criteria) > 20 for c in ind.levels.values()), ind.number
        assert ind.assesses and ind.keywords, ind.number
    assert len(pack.glossary) >= 25
    assert pack.rules


def test_2020_weights_match_permenpanrb_59() -> None:
    pack = PackRegistry.load().get("spbe-2020")
    weights = {i.number: i.weight for i in pack.indicators}
    assert weights[1] == Decimal("1.3") and weights[11] == Decimal("2.5")
    assert weights[21] == Decimal("1.5") and weights[32] == Decimal("2.75") and weights[47] == Decimal("3.0")
    assert [d.weight for d in pack.domains] == [Decimal(13), Decimal(25), Decimal("16.5"), Decimal("45.5")]
    assert all(ind.levels[4].evidence and ind.levels[5].evidence for ind in pack.indicators)


def test_2018_shows_the_conflicting_aspect_weights() -> None:
    pack = PackRegistry.load().get("spbe-2018")
    assert (pack.aspect("A6").weight, pack.aspect("A7").weight) == (Decimal(33), Decimal(22))
    assert any("35%" in note for note in pack.aspect("A6").notes)
    assert any("35" in note for note in pack.indicator(25).notes)


def test_2026_carries_its_uncertainty() -> None:
    pack = PackRegistry.load().get("pemdi-2026")
    assert pack.framework.confidence == "sedang"
    assert pack.scale.fractional
    assert pack.indicator(3).conflicts and pack.indicator(20).conflicts
    external = {i.number for i in pack.indicators if i.external_index}
    assert {5, 6, 7} <= external
    assert all(i.confidence for i in pack.indicators)


def test_an_operator_pack_replaces_the_builtin_one(tmp_path: Path, raw_2026: dict[str, Any]) -> None:
    data = copy.deepcopy(raw_2026)
    data["framework"]["version"] = "2026.2-official"
    file = tmp_path / "pemdi-official.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert PackRegistry.load([file]).get("pemdi-2026").framework.version == "2026.2-official"


@pytest.mark.parametrize("framework", ["spbe-2020", "spbe-2018", "pemdi-2026"])
def test_every_shipped_level_has_both_summaries_within_the_limit(framework: str) -> None:
    pack = PackRegistry.load().get(framework)
    for ind in pack.indicators:
        for level, c in ind.levels.items():
            for text in (c.summary, c.summary_en):
                assert text and text == text.strip(), (ind.number, level)
                assert len(text) <= SUMMARY_MAX, (ind.number, level, text)
                assert not text.endswith("."), (ind.number, level, text)
                assert not re.search(r"<[a-zA-Z/]|&\w+;", text), (ind.number, level, text)  # no HTML


@pytest.mark.parametrize("framework", ["spbe-2020", "spbe-2018", "pemdi-2026"])
def test_the_summaries_of_one_indicator_all_differ(framework: str) -> None:
    pack = PackRegistry.load().get(framework)
    for ind in pack.indicators:
        for field in ("summary", "summary_en"):
            texts = [getattr(c, field).casefold() for c in ind.levels.values()]
            assert len(set(texts)) == len(texts), (ind.number, field, texts)


def test_the_summaries_say_what_the_brief_asks_for_indicator_12() -> None:
    levels = PackRegistry.load().get("spbe-2020").indicator(12).levels
    assert levels[3].summary == "Memuat ketujuh muatan" and levels[3].summary_en == "Covers all 7 required parts"


def test_a_custom_pack_without_summaries_still_loads(tmp_path: Path, raw_2026: dict[str, Any]) -> None:
    data = copy.deepcopy(raw_2026)
    data["framework"]["version"] = "2026.0-custom"
    for ind in data["indicators"]:
        for c in ind["levels"].values():
            del c["summary"], c["summary_en"]
    file = tmp_path / "older-pemdi.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pack = PackRegistry.load([file]).get("pemdi-2026")
    assert pack.framework.version == "2026.0-custom"
    assert all(c.summary is None and c.summary_en is None for i in pack.indicators for c in i.levels.values())


# --- broken packs ---------------------------------------------------------------------------


def test_indicator_weights_that_do_not_add_up_to_their_aspect(raw_2020, tmp_path) -> None:
    problems = problems_after(raw_2020, lambda d: indicator(d, 12).update(weight=3.0), tmp_path)
    assert "aspects (id A2): indicator weights add up to 10.5, not the aspect weight 10" in problems


def test_aspect_weights_that_do_not_add_up_to_their_domain(raw_2020, tmp_path) -> None:
    def change(d):
        d["aspects"][1]["weight"] = 11.0  # A2

    problems = problems_after(raw_2020, change, tmp_path)
    assert "domains (id D2): aspect weights add up to 26, not the domain weight 25" in problems
    assert "aspects (id A2): indicator weights add up to 10, not the aspect weight 11" in problems


def test_domains_that_do_not_add_up_to_100(raw_2020, tmp_path) -> None:
    def change(d):
        d["domains"][0]["weight"] = 14.0

    problems = problems_after(raw_2020, change, tmp_path)
    assert "domains: domain weights add up to 101, not 100" in problems


def test_weights_within_the_tolerance_are_accepted(raw_2020, tmp_path) -> None:
    data = copy.deepcopy(raw_2020)
    indicator(data, 12)["weight"] = 2.505
    file = tmp_path / "ok.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_pack(file).indicator(12).weight == Decimal("2.505")


def test_a_gap_in_the_level_scale(raw_2020, tmp_path) -> None:
    problems = problems_after(raw_2020, lambda d: d["capability_models"][0]["levels"].pop(3), tmp_path)
    assert "capability_models[0] (id proses).levels: gap in the level scale: no level 3" in problems


def test_a_missing_level_text_where_the_pack_claims_criteria(raw_2020, tmp_path) -> None:
    problems = problems_after(raw_2020, lambda d: indicator(d, 7)["levels"].pop(4), tmp_path)
    assert "indicators[6] (number 7).levels: the pack claims criteria for every level, but level 4 has no text" in problems


def test_an_empty_level_text(raw_2020, tmp_path) -> None:
    problems = problems_after(raw_2020, lambda d: indicator(d, 7)["levels"][2].update(criteria="  "), tmp_path)
    assert any(p.startswith("indicators[6] (number 7).levels.2.criteria:") and "empty" in p for p in problems)


def test_repeated_indicator_numbers_and_ids(raw_2020, tmp_path) -> None:
    def change(d):
        indicator(d, 9)["number"] = 8
        d["aspects"][2]["id"] = "A2"

    problems = problems_after(raw_2020, change, tmp_path)
    assert "indicators: number 8 is used more than once" in problems
    assert "indicators: numbers must run from 1 without gaps; missing [9]" in problems
    assert "aspects: id 'A2' is used more than once" in problems


def test_an_indicator_pointing_at_no_aspect(raw_2020, tmp_path) -> None:
    problems = problems_after(raw_2020, lambda d: indicator(d, 20).update(aspect="A9"), tmp_path)
    assert any(p.startswith("indicators[19] (number 20).aspect: points at no aspect ('A9')") for p in problems)


def test_overlapping_predicate_bands(raw_2020, tmp_path) -> None:
    def change(d):
        d["predicates"][1]["max"] = 4.3  # Sangat Baik runs into Memuaskan

    problems = problems_after(raw_2020, change, tmp_path)
    assert "predicates[0] (label Memuaskan): overlaps band 'Sangat Baik' at 4.2" in problems


def test_predicate_bands_that_leave_a_gap(raw_2020, tmp_path) -> None:
    def change(d):
        d["predicates"][3]["max"] = 2.5  # Cukup ends before Baik starts at 2.6

    problems = problems_after(raw_2020, change, tmp_path)
    assert "predicates[2] (label Baik): gap between 'Cukup' (ends 2.5) and 'Baik' (starts 2.6)" in problems


def test_a_boundary_in_both_bands_is_an_overlap(raw_2020, tmp_path) -> None:
    def change(d):
        d["predicates"][3]["max_inclusive"] = True  # 2.6 would be Cukup and Baik

    problems = problems_after(raw_2020, change, tmp_path)
    assert "predicates[2] (label Baik): overlaps band 'Cukup' at 2.6" in problems


def test_fractional_ranges_must_meet(raw_2026, tmp_path) -> None:
    problems = problems_after(raw_2026, lambda d: d["scale"]["ranges"][3].update(min=2.6), tmp_path)
    assert "scale.ranges.3: starts at 2.6 but level 2 ends at 2.5: ranges must meet without gap or overlap" in problems


def test_unknown_keys_and_missing_keys_are_named(raw_2020, tmp_path) -> None:
    def change(d):
        indicator(d, 3)["wieght"] = 1.3
        del indicator(d, 5)["assesses"]

    problems = problems_after(raw_2020, change, tmp_path)
    assert "indicators[2] (number 3).wieght: unknown key (check its spelling in docs/packs.md)" in problems
    assert "indicators[4] (number 5).assesses: required key is missing" in problems


def test_a_repeated_yaml_key_is_refused(tmp_path) -> None:
    file = tmp_path / "dup.yaml"
    file.write_text("framework:\n  id: x\n  id: y\n", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(file)
    (problem,) = caught.value.problems
    assert problem.path == "line 3, column 3"
    assert "key 'id' appears twice in one mapping (first on line 2)" in problem.message


def test_a_file_that_is_not_yaml_or_missing(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("framework: [unclosed\n", encoding="utf-8")
    with pytest.raises(PackError, match="not valid YAML"):
        load_pack(bad)
    with pytest.raises(PackError, match="cannot read file"):
        load_pack(tmp_path / "absent.yaml")


def test_a_summary_over_42_characters_names_its_indicator_and_level(raw_2020, tmp_path) -> None:
    long = "Memuat ketujuh muatan dan semuanya sudah disahkan"  # 49 characters
    problems = problems_after(raw_2020, lambda d: indicator(d, 12)["levels"][3].update(summary=long), tmp_path)
    assert problems == [
        f"indicators[11] (number 12).levels.3.summary: summary has 49 characters, at most 42 fit on the indicator card: {long!r}"
    ]


def test_a_blank_or_long_english_summary_is_refused_too(raw_2026, tmp_path) -> None:
    def change(d):
        indicator(d, 5)["levels"][2]["summary_en"] = "   "
        indicator(d, 20)["levels"][4]["summary_en"] = "x" * 43

    problems = problems_after(raw_2026, change, tmp_path)
    assert "indicators[4] (number 5).levels.2.summary_en: summary_en is empty (leave the key out instead)" in problems
    assert any(p.startswith("indicators[19] (number 20).levels.4.summary_en: summary_en has 43 characters") for p in problems)


def test_the_card_text_of_a_level_falls_back_to_the_start_of_its_criteria() -> None:
    level = LevelCriteria(criteria="Instansi belum memiliki dokumen Peta Rencana SPBE, atau dokumennya masih konsep.")
    assert level.short("id") == level.short("en") == "Instansi belum memiliki dokumen Peta…"
    assert LevelCriteria(criteria="Kriteria lengkap.", summary="Ringkas").short("en") == "Ringkas"  # the other language
    assert LevelCriteria(criteria="Kriteria lengkap.", summary="Ringkas", summary_en="Short").short("en") == "Short"
    assert shorten("Pendek saja.", SUMMARY_MAX) == "Pendek saja."
    assert len(shorten("x" * 100, SUMMARY_MAX)) == SUMMARY_MAX


def test_a_caveat_for_an_unknown_topic_or_id_is_refused(raw_2026, tmp_path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["rules"][0]["caveat_for"] = ["predicate", "weight:A9", "colour"]

    problems = problems_after(raw_2026, change, tmp_path)
    assert any("'weight:A9': no aspect, domain or indicator 'A9'" in p for p in problems)
    assert any("'colour': the topic must be one of" in p for p in problems)


def test_a_valid_pack_is_read_back_from_the_cache_and_a_changed_file_is_read_again(tmp_path, monkeypatch) -> None:
    from knowledge import packs

    monkeypatch.setenv("SPBE_CACHE_DIR", str(tmp_path / "cache"))
    file = tmp_path / "pemdi.yaml"
    file.write_text(PEMDI_2026.read_text(encoding="utf-8"), encoding="utf-8")
    packs._parse_pack.cache_clear()
    first = load_pack(file)
    assert len(list((tmp_path / "cache").glob("pack-*.pickle"))) == 1
    packs._parse_pack.cache_clear()
    again = load_pack(file)
    assert again == first and again is not first and again.text_words == first.text_words
    file.write_text(file.read_text(encoding="utf-8").replace('short_title: "Pemdi 2026"', 'short_title: "Pemdi 26"'), encoding="utf-8")
    packs._parse_pack.cache_clear()
    assert load_pack(file).framework.short_title == "Pemdi 26"
    monkeypatch.setenv("SPBE_CACHE_DIR", "off")
    packs._parse_pack.cache_clear()
    assert load_pack(file).framework.short_title == "Pemdi 26"


def test_a_cache_folder_others_may_write_to_is_not_used(tmp_path, monkeypatch) -> None:
    """Cached packs are pickles: a folder anyone else could write to would let them run code here."""
    from knowledge.caching import cache_dir

    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("SPBE_CACHE_DIR", str(shared))
    assert cache_dir() is None
    shared.chmod(0o700)
    assert cache_dir() == shared
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("SPBE_CACHE_DIR", str(fresh))
    assert cache_dir() == fresh and fresh.stat().st_mode & 0o077 == 0
