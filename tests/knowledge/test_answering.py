"""The question answerer against the labelled set, and its refusals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from knowledge.answering import CONFIDENT, Answer, Library
from knowledge.packs import PackRegistry

LABELLED = yaml.safe_load((Path(__file__).parent / "qa_labelled.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def library() -> Library:
    return Library(PackRegistry.load())


def first_answer_matches(answer: Answer, case: dict) -> bool:
    if answer.topic != case["topic"]:
        return False
    if "ind" in case and answer.indicator != case["ind"]:
        return False
    if "level" in case and answer.level != case["level"]:
        return False
    return "key" not in case or (answer.key or "").casefold() == str(case["key"]).casefold()


def test_the_labelled_set_is_large_and_varied() -> None:
    assert len(LABELLED) >= 120
    topics = {case["topic"] for case in LABELLED}
    assert {"level", "evidence", "indicator", "weight", "glossary", "rule", "predicate", "formula", "capability", "not_covered"} <= topics
    frameworks = {case.get("fw", "spbe-2020") for case in LABELLED}
    assert frameworks == {"spbe-2020", "spbe-2018", "pemdi-2026"}
    pack = PackRegistry.load().get("spbe-2020")
    domains = {pack.aspect(pack.indicator(case["ind"]).aspect).domain
               for case in LABELLED if "ind" in case and case.get("fw", "spbe-2020") == "spbe-2020"}
    assert domains == {"D1", "D2", "D3", "D4"}


def test_top1_accuracy_is_at_least_95_percent(library: Library) -> None:
    misses = []
    for case in LABELLED:
        answer = library.answerer(case.get("fw", "spbe-2020")).ask(case["q"])
        if not first_answer_matches(answer, case):
            got = f"{answer.topic} ind={answer.indicator} level={answer.level} key={answer.key} ({answer.confidence})"
            misses.append(f"{case['q']!r}: got {got}")
    accuracy = 1 - len(misses) / len(LABELLED)
    assert accuracy >= 0.95, f"top-1 accuracy {accuracy:.1%}; misses:\n" + "\n".join(misses)


def test_an_explicit_indicator_and_level_are_certain(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("apa arti level 3 indikator 12")
    pack = PackRegistry.load().get("spbe-2020")
    assert answer.sure and answer.confidence == 1.0
    assert answer.texts == [pack.indicator(12).levels[3].criteria]


def test_unsure_answers_offer_three_candidates(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("kebijakan layanan")
    assert answer.confidence < CONFIDENT
    assert 1 <= len(answer.candidates) <= 3
    assert len({(c.kind, c.key) for c in answer.candidates}) == len(answer.candidates)


def test_nothing_matching_says_the_knowledge_base_does_not_cover_it(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("resep rendang padang")
    assert answer.topic == "not_covered" and not answer.covered
    assert answer.texts == [] and answer.indicator is None and answer.confidence == 0.0


def test_an_indicator_number_outside_the_framework_is_not_invented(library: Library) -> None:
    answer = library.answerer("pemdi-2026").ask("indikator 35 level 2")
    assert answer.topic == "not_covered" and answer.indicator is None


# --- numbers in context, intents and honesty (the failure classes) ---------------------


def test_a_decimal_is_an_index_value_not_an_indicator(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("indeks 3,4 predikatnya apa")
    assert (answer.topic, answer.indicator, answer.value, answer.predicate) == ("index_value", None, Decimal("3.4"), "Baik")
    answer = library.answerer("spbe-2020").ask("which predicate is an index of 2.9")
    assert (answer.topic, answer.predicate) == ("index_value", "Baik")


def test_the_second_level_of_a_comparison_is_not_an_indicator(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("apa bedanya level 3 dan level 4 manajemen risiko")
    assert (answer.topic, answer.indicator, answer.level, answer.level_to) == ("comparison", 21, 3, 4)


def test_a_number_of_another_noun_is_not_an_indicator(library: Library) -> None:
    for question in ("tunjangan golongan 3 berapa", "pasal 3 uu ite isinya apa", "peraturan No. 7/2024 tentang apa"):
        answer = library.answerer("spbe-2020").ask(question)
        assert answer.topic == "not_covered" and answer.indicator is None and not answer.candidates, question


def test_apa_itu_spbe_in_every_pack(library: Library) -> None:
    for framework in library.ids:
        answer = library.answerer(framework).ask("apa itu SPBE")
        assert (answer.topic, answer.key, answer.sure) == ("glossary", "SPBE", True), framework


def test_the_framework_as_a_whole(library: Library) -> None:
    ask = library.answerer("pemdi-2026").ask
    assert (ask("ada berapa indikator").topic, ask("ada berapa indikator").key) == ("structure", "indicators")
    assert ask("pemdi punya domain?").key == "domains"
    assert ask("skala nilai pemdi").key == "scale"


def test_a_question_naming_another_framework_is_answered_from_it(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("di pemdi 2026 level 3 kepuasan pengguna seperti apa")
    assert (answer.framework, answer.home, answer.topic, answer.indicator, answer.level) == ("pemdi-2026", "spbe-2020", "level", 20, 3)
    answer = library.answerer("pemdi-2026").ask("versi 2018 indikator 22 apa")
    assert (answer.framework, answer.home_title) == ("spbe-2018", "Pemdi 2026")
    assert library.answerer("spbe-2020").ask("indikator 12").home is None


def test_a_deadline_of_this_year_is_not_answered_with_a_definition(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("kapan batas akhir penilaian mandiri tahun ini")
    assert (answer.topic, answer.reason, answer.fact, answer.candidates) == ("not_covered", "fact", "schedule", [])
    # a rule that holds the "when" is still the answer
    assert library.answerer("spbe-2020").ask("audit tik dihitung kalau kapan").key == "audit-tik-2-tahun"


@pytest.mark.parametrize(("question", "fact"), [
    ("berapa gaji asesor eksternal", "money"), ("vendor pusat data yang bagus siapa", "vendor"),
    ("nomor telepon kemenpanrb", "contact"), ("tolong buatkan surat undangan rapat", "template"),
])
def test_facts_the_packs_do_not_hold(library: Library, question: str, fact: str) -> None:
    answer = library.answerer("spbe-2020").ask(question)
    assert (answer.topic, answer.fact, answer.candidates) == ("not_covered", fact, [])


def test_the_pemdi_predicate_answers_carry_the_boundary_conflict(library: Library) -> None:
    pack = PackRegistry.load().get("pemdi-2026")
    conflict = next(r.text for r in pack.rules if r.id == "batas-predikat")
    for question in ("predikat indeks pemdi", "indeks 1,5 predikat apa", "kalau semua indikator level 4 predikatnya apa"):
        assert conflict in library.answerer("pemdi-2026").ask(question).notes, question
    assert library.answerer("spbe-2020").ask("predikat indeks spbe").notes == []


def test_the_2018_aspect_weight_conflict_travels_with_the_weight(library: Library) -> None:
    pack = PackRegistry.load().get("spbe-2018")
    conflict = next(r.text for r in pack.rules if r.id == "bobot-aspek-layanan")
    assert conflict in library.answerer("spbe-2018").ask("bobot aspek layanan publik").notes
    assert conflict in library.answerer("spbe-2018").ask("bobot indikator 30").notes
    assert conflict not in library.answerer("spbe-2018").ask("bobot indikator 3").notes


@pytest.mark.parametrize(
    ("question", "kind", "value", "predicate"),
    [
        ("kalau semua indikator level empat predikatnya apa", "all", "4.00", "Sangat Baik"),
        ("aspek audit TIK level 4, sisanya level 2, indeksnya berapa", "part", "2.09", "Cukup"),
        ("jika semua indikator level 3 tapi indikator 21 level 4", "part", "3.02", "Baik"),
        ("misal indikator 12 naik satu level indeks naik berapa", "raise", "0.025", None),
    ],
)
def test_what_if_questions_are_computed_by_the_scoring_engine(library: Library, question: str, kind: str, value: str,
                                                             predicate: str | None) -> None:
    answer = library.answerer("spbe-2020").ask(question)
    assert (answer.topic, answer.key, answer.value, answer.predicate) == ("simulation", kind, Decimal(value), predicate)
    assert answer.computed and answer.simulation is not None


def test_a_fractional_level_in_a_whole_level_pack_is_refused(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("seluruh indikator level 3,5 berapa indeksnya")
    assert (answer.topic, answer.reason) == ("not_covered", "outside_scale")


def test_heaviest_and_the_index_range(library: Library) -> None:
    heaviest = library.answerer("pemdi-2026").ask("indikator paling berat")
    assert (heaviest.topic, heaviest.key, heaviest.indicator, heaviest.value) == ("extremes", "heaviest", 20, Decimal(15))
    span = library.answerer("spbe-2018").ask("indeks terendah dan tertinggi yang mungkin")
    assert span.extremes is not None and span.extremes.lowest is not None and span.extremes.highest is not None
    assert (span.extremes.lowest.value, span.extremes.highest.value) == (Decimal("0.00"), Decimal("5.00"))


def test_which_level_a_document_proves(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("dokumen arsitektur to-be masuk level berapa")
    assert (answer.topic, answer.indicator, answer.levels) == ("evidence_level", 11, [5])
    answer = library.answerer("spbe-2018").ask("sk pembentukan tim pengarah membuktikan level berapa")
    assert (answer.topic, answer.indicator, answer.levels) == ("evidence_level", 18, [])  # no evidence per level in 2018


def test_a_level_name_is_a_level_not_the_indicator_of_that_name(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("apa arti level kolaborasi")
    assert (answer.topic, answer.level) == ("capability", 4)
    assert library.answerer("spbe-2020").ask("kolaborasi level 3").indicator == 20


def test_the_candidates_of_a_question_about_another_framework_belong_to_it(library: Library) -> None:
    answer = library.answerer("spbe-2020").ask("pemdi kebijakan layanan")
    assert answer.framework == "pemdi-2026" and not answer.sure and answer.candidates
    entities = library.answerer("pemdi-2026").entities
    assert all(any((e.kind, e.key) == (c.kind, c.key) for e in entities) for c in answer.candidates)
