"""The answerer on questions typed as users would (``qa_users.yaml``): right, or honestly not at all.

In scope, the first answer must be the labelled one in at least 95 % of the questions; out of scope,
at most 5 % may be answered as if the assistant knew (a confident answer, a "closest answer", or
candidates to pick from). Both figures are printed per category, with every miss.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from knowledge.answering import Answer, Library
from knowledge.packs import PackRegistry

CASES = yaml.safe_load((Path(__file__).parent / "qa_users.yaml").read_text(encoding="utf-8"))
IN_SCOPE = 0.95
FALSE_OUT_OF_SCOPE = 0.05


@pytest.fixture(scope="module")
def library() -> Library:
    return Library(PackRegistry.load())


def matches(answer: Answer, case: dict) -> bool:
    """The first answer is the labelled one: same topic, framework and every labelled detail."""
    if answer.topic != case["topic"] or answer.framework != case.get("afw", case.get("fw", "spbe-2020")):
        return False
    for field, attribute in (("ind", "indicator"), ("level", "level"), ("level_to", "level_to")):
        if field in case and getattr(answer, attribute) != case[field]:
            return False
    if "key" in case and (answer.key or "").casefold() != str(case["key"]).casefold():
        return False
    if "value" in case and (answer.value is None or answer.value != Decimal(str(case["value"]))):
        return False
    return "predicate" not in case or answer.predicate == case["predicate"]


def false_answer(answer: Answer) -> bool:
    """An out-of-scope question answered as if the assistant knew."""
    return answer.covered or bool(answer.candidates)


def describe(answer: Answer) -> str:
    return (f"{answer.framework} {answer.topic} ind={answer.indicator} level={answer.level}->{answer.level_to} "
            f"key={answer.key} value={answer.value} predicate={answer.predicate} conf={answer.confidence} "
            f"candidates={[c.title for c in answer.candidates]}")


def test_the_set_is_large_and_covers_every_category() -> None:
    categories = {case["cat"] for case in CASES}
    assert len(CASES) >= 300
    assert {"officer", "lead", "newcomer", "english", "spbe-2018", "pemdi-2026", "stages", "framework", "whatif",
            "words", "index", "evidence_level", "cross", "oos"} <= categories
    assert sum(case["cat"] == "oos" for case in CASES) >= 40
    assert all((case["cat"] == "oos") == (case["topic"] == "not_covered") for case in CASES)


def test_questions_typed_as_users_would(library: Library) -> None:
    right: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for case in CASES:
        answer = library.answerer(case.get("fw", "spbe-2020")).ask(case["q"])
        ok = not false_answer(answer) if case["cat"] == "oos" else matches(answer, case)
        right[case["cat"]].append(ok)
        if not ok:
            misses.append(f"[{case['cat']}] {case['q']!r} ({case.get('fw', 'spbe-2020')}): got {describe(answer)}")
    in_scope = [ok for cat, oks in right.items() if cat != "oos" for ok in oks]
    top1 = sum(in_scope) / len(in_scope)
    false_rate = 1 - sum(right["oos"]) / len(right["oos"])
    report = [f"{cat:<15} {sum(oks):>3}/{len(oks):<3} {sum(oks) / len(oks):.0%}" for cat, oks in sorted(right.items())]
    summary = f"top-1 in scope {top1:.1%} ({len(in_scope)}), false answers out of scope {false_rate:.1%} ({len(right['oos'])})"
    print("\n" + summary + "\n" + "\n".join(report) + "\n" + "\n".join(misses))
    assert top1 >= IN_SCOPE and false_rate <= FALSE_OUT_OF_SCOPE, summary + "\n" + "\n".join(misses)
