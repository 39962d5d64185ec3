"""Every kind of answer, rendered in both languages as Telegram would get it: valid HTML, the facts
the answer rests on, computed figures labelled as simulations, the framework named when it is not
the user's own, and refusals that say what the assistant can answer instead."""

from __future__ import annotations

import pytest

from bot.render import Renderer
from knowledge.answering import Library
from knowledge.packs import PackRegistry
from tests.bot.fake_telegram import visible_text

REGISTRY = PackRegistry.load()
LIBRARY = Library(REGISTRY)
RENDERER = Renderer()
LIMIT = 4096  # one Telegram message


def shown(question: str, lang: str, framework: str = "spbe-2020") -> str:
    answer = LIBRARY.answerer(framework).ask(question)
    text = RENDERER.render("answer", lang, pack=REGISTRY.get(answer.framework), answer=answer)
    assert len(text) <= LIMIT, f"{question!r} needs {len(text)} characters"
    return visible_text(text, "HTML")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    ("question", "framework", "shows"),
    [
        ("indeks 3,4 predikatnya apa", "spbe-2020", {"id": "3,40", "en": "3.40"}),
        ("beda level 2 dan 3 peta rencana", "spbe-2020", {"id": "Yang berubah", "en": "What changes"}),
        ("kalau semua indikator level 4 predikatnya apa", "spbe-2020", {"id": "bukan nilai resmi", "en": "not an official"}),
        ("aspek audit TIK level 4, sisanya level 2, indeksnya berapa", "spbe-2020", {"id": "2,09", "en": "2.09"}),
        ("misal indikator 12 naik satu level indeks naik berapa", "spbe-2020", {"id": "0,025", "en": "0.025"}),
        ("indikator paling berat", "pemdi-2026", {"id": "15,00%", "en": "15.00%"}),
        ("indeks terendah dan tertinggi yang mungkin", "spbe-2020", {"id": "1,00", "en": "1.00"}),
        ("notulen reviu arsitektur spbe membuktikan level berapa", "spbe-2020", {"id": "level 4, 5", "en": "level 4, 5"}),
        ("daftar indikator", "spbe-2020", {"id": "47 indikator", "en": "47 indicators"}),
        ("pemdi punya domain?", "pemdi-2026", {"id": "tidak memakai domain", "en": "no domains"}),
        ("skala level", "spbe-2018", {"id": "0 sampai 5", "en": "0 to 5"}),
        ("di pemdi 2026 level 3 kepuasan pengguna seperti apa", "spbe-2020", {"id": "Pemdi 2026", "en": "Pemdi 2026"}),
        ("indeks 1,5 predikat apa", "pemdi-2026", {"id": "Minsel", "en": "Minsel"}),
        ("apa tahapan evaluasi spbe", "spbe-2020", {"id": "Asesor Eksternal", "en": "Asesor Eksternal"}),
    ],
)
def test_every_kind_of_answer_renders(question: str, framework: str, shows: dict[str, str], lang: str) -> None:
    assert shows[lang] in shown(question, lang, framework)


def test_a_question_about_another_framework_says_which_framework_answers() -> None:
    text = shown("versi 2018 indikator 22 apa", "id")
    assert text.startswith("Jawaban dari kerangka SPBE 2018") and "SPBE 2020" in text.splitlines()[0]
    assert shown("versi 2018 indikator 22 apa", "en").startswith("Answered from SPBE 2018")


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("kapan batas akhir penilaian mandiri tahun ini", "jadwal"),
        ("berapa gaji asesor eksternal", "gaji"),
        ("vendor aplikasi spbe yang bagus siapa", "vendor"),
        ("nomor telepon kemenpanrb", "telepon"),
        ("peraturan No. 7/2024 tentang apa", "peraturan"),
        ("resep soto ayam", "tidak mengarang"),
    ],
)
def test_a_refusal_says_why_and_what_can_be_answered(question: str, says: str) -> None:
    text = shown(question, "id")
    assert says in text and "Yang bisa saya jawab" in text
