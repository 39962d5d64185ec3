"""The question answerer against the labelled set, and its refusals."""

from __future__ import annotations

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
