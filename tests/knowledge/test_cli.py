"""The ``spbe-bot`` knowledge commands: frameworks, validate-pack, score, ask."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from knowledge.packs import BUILTIN_DIR, PackRegistry


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_frameworks_lists_the_packs(capsys) -> None:
    code, out, _ = run(capsys, "frameworks", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0 and set(rows) == {"spbe-2020", "spbe-2018", "pemdi-2026"}
    assert rows["pemdi-2026"]["fractional"] and rows["pemdi-2026"]["confidence"] == "sedang"
    assert rows["spbe-2018"]["levels"] == [0, 5]


def test_validate_pack_says_valid_in_one_line(capsys) -> None:
    code, out, _ = run(capsys, "validate-pack", str(BUILTIN_DIR / "spbe-2020.yaml"))
    assert code == 0 and len(out.strip().splitlines()) == 1 and "valid pack spbe-2020" in out and "47 indicators" in out


def test_validate_pack_lists_every_problem(capsys, tmp_path: Path) -> None:
    data = yaml.safe_load((BUILTIN_DIR / "pemdi-2026.yaml").read_text(encoding="utf-8"))
    data["indicators"][2]["weight"] = 6
    del data["indicators"][3]["levels"][4]
    broken = tmp_path / "my-pemdi.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out, _ = run(capsys, "validate-pack", str(broken))
    assert code == 1
    assert "invalid pack, 2 problem(s)" in out
    assert "aspects (id A2): indicator weights add up to 11, not the aspect weight 10" in out
    assert "indicators[3] (number 4).levels: the pack claims criteria for every level, but level 4 has no text" in out


def test_score_json_is_the_what_if_calculator(capsys) -> None:
    code, out, _ = run(capsys, "score", "--framework", "spbe-2020", "--levels", "11=3,12=4,13=3,14=2", "--json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["framework"], doc["index"], doc["predicate"], doc["answered"], doc["total"]) == ("spbe-2020", 3.0, "Baik", 4, 47)
    assert doc["aspects"]["A2"] == 3.0 and doc["aspects"]["A1"] is None and doc["domains"]["D2"] == 3.0
    flat = (Decimal(3 + 4 + 3 + 2) * Decimal("2.5") + (100 - 10)) / 100  # the rest at level 1
    assert Decimal(str(doc["projected_index"])) == flat.quantize(Decimal("0.01"))
    first = doc["next_moves"][0]
    assert set(first) >= {"indicator", "from", "to", "gain"} and first["gain"] == 0.03
    assert len(doc["next_moves"]) == 47  # nobody is at level 5 yet
    assert doc["to_next_band"]["band"] == "Cukup" and doc["to_next_band"]["steps"] > 0


def test_score_text_is_readable(capsys) -> None:
    code, out, _ = run(capsys, "score", "--levels", "1=3,2=4", "--lang", "en")
    assert code == 0 and "simulation" in out.lower() and "2/47" in out


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ("1=3,99=2", "indicator 99 does not exist in spbe-2020"),
        ("1=7", "level 7 is outside the scale 1..5"),
        ("1=3,x", "malformed level 'x'"),
        ("1=3,1=4", "indicator 1 is given twice"),
        ("4=2.5", "whole levels only"),
    ],
)
def test_score_refuses_bad_levels_with_exit_2(capsys, levels: str, message: str) -> None:
    code, out, err = run(capsys, "score", "--levels", levels)
    assert code == 2 and message in err and out == ""


def test_score_takes_fractional_values_in_pemdi(capsys) -> None:
    code, out, _ = run(capsys, "score", "--framework", "pemdi-2026", "--levels", "3=1.26,17=2.5", "--json")
    assert code == 0 and json.loads(out)["aspects"]["A2"] == 1.26


def test_ask_json(capsys) -> None:
    code, out, _ = run(capsys, "ask", "apa arti level 3 indikator 12", "--json")
    doc = json.loads(out)
    assert code == 0 and (doc["indicator"], doc["level"], doc["topic"], doc["confidence"]) == (12, 3, "level", 1.0)
    pack = PackRegistry.load().get("spbe-2020")
    assert pack.indicator(12).levels[3].criteria in doc["answer"]
    assert doc["candidates"] == []


def test_ask_says_when_the_knowledge_base_has_no_answer(capsys) -> None:
    code, out, _ = run(capsys, "ask", "resep nasi goreng", "--framework", "pemdi-2026", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["topic"] == "not_covered" and doc["indicator"] is None and doc["confidence"] == 0
    assert "tidak memuat jawaban" in doc["answer"]


def test_ask_an_unknown_framework(capsys) -> None:
    code, _, err = run(capsys, "ask", "apa itu reviu", "--framework", "spbe-1999")
    assert code == 2 and "unknown framework 'spbe-1999'" in err


def test_ask_json_exposes_computed_and_cross_framework_answers(capsys) -> None:
    code, out, _ = run(capsys, "ask", "aspek audit TIK level 4, sisanya level 2, indeksnya berapa", "--json")
    doc = json.loads(out)
    assert code == 0 and (doc["topic"], doc["value"], doc["predicate"], doc["computed"]) == ("simulation", 2.09, "Cukup", True)
    assert doc["simulation"]["part"]["key"] == "A6" and (doc["simulation"]["level"], doc["simulation"]["rest"]) == (4.0, 2.0)
    assert "simulasi" in doc["answer"].lower()
    code, out, _ = run(capsys, "ask", "indeks 2,4 di pemdi predikatnya apa", "--json")
    doc = json.loads(out)
    assert (doc["framework"], doc["asked_framework"], doc["topic"], doc["predicate"]) == ("pemdi-2026", "spbe-2020", "index_value", "Cukup")
    assert doc["notes"] and "Pemdi 2026" in doc["answer"]
    code, out, _ = run(capsys, "ask", "beda level 2 dan 3 peta rencana", "--json", "--lang", "en")
    doc = json.loads(out)
    assert (doc["topic"], doc["indicator"], doc["level"], doc["level_to"]) == ("comparison", 12, 2, 3)
    assert "What changes" in doc["answer"]


def test_ask_refuses_a_deadline_and_says_what_it_can_answer(capsys) -> None:
    code, out, _ = run(capsys, "ask", "kapan batas akhir penilaian mandiri tahun ini", "--json")
    doc = json.loads(out)
    assert code == 0 and (doc["covered"], doc["reason"], doc["fact"], doc["candidates"]) == (False, "fact", "schedule", [])
    assert "jadwal" in doc["answer"] and "Yang bisa saya jawab" in doc["answer"]
