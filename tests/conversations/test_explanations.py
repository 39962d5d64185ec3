"""The penjelasan is kept only when it is one, for the answer it was written for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conversations.engine import Engine
from conversations.explanations import looks_like_question
from conversations.states import Explanation, ExplanationCheck, State
from storage.models import MAX_EXPLANATION_CHARS, Role
from tests.conversations.conftest import Client, institution_with, officer_of_new_institution, stored

FACT = "Fakta: Perbup No. 12 Tahun 2023 pasal 3-5. Analisis: memuat ketujuh muatan peta rencana."


async def answered_and_waiting(officer: Client, number: int = 12, level: int = 3) -> None:
    await officer.command("loncat", str(number))
    await officer.press("level", level=level)
    await officer.press("explain", number=number)
    assert (await officer.position()).state == State.EXPLANATION


@pytest.mark.parametrize("text", [
    "apa arti level 3 indikator 12", "Bagaimana cara naik ke level 4?", "bukti dukung untuk indikator 12 apa saja",
    "what does level 3 mean", "kriteria level 4", "Tolong jelaskan indikator 12",
])
def test_questions_are_told_from_explanations(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize("text", [
    FACT, "Peta Rencana SPBE ditetapkan dengan Perbup No. 12/2023 dan direviu tahun 2025.",
    "Dokumen arsitektur SPBE sudah ditetapkan, tetapi belum direviu. Apakah perlu? Ya, menurut pedoman perlu direviu tiap tahun; "
    "reviu dijadwalkan Maret 2026 dan hasilnya dilampirkan sebagai bukti dukung berikutnya. " * 2,
])
def test_explanations_are_not_taken_for_questions(text: str) -> None:
    assert not looks_like_question(text)


async def test_a_question_typed_while_a_penjelasan_is_awaited_is_never_saved_silently(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await answered_and_waiting(officer)
    await officer.text("apa arti level 3 indikator 12")
    assert officer.views() == ["short:explanation_check"] and officer.reply().data["reason"] == "question"
    assert await stored(engine, officer) == {12: (3, None)}
    await officer.press("explain_not")  # "Ini pertanyaan": answered, and the penjelasan is still awaited
    assert officer.views() == ["answer", "short:explanation_still_awaited"] and officer.last.replies[0].edit
    assert isinstance((await officer.position()).step, Explanation)
    await officer.text(FACT)
    assert await stored(engine, officer) == {12: (3, FACT)}

    # a text that reads like a question but is the penjelasan: kept on the officer's word
    await answered_and_waiting(officer, number=13, level=2)
    await officer.text("Apakah sudah terpadu? Belum: RKA 2025 baru memuat sebagian belanja TIK.")
    await officer.press("explain_keep")
    kept = "Apakah sudah terpadu? Belum: RKA 2025 baru memuat sebagian belanja TIK."
    assert await stored(engine, officer) == {12: (3, FACT), 13: (2, kept)}
    assert officer.reply().view == "card" and officer.reply().edit and (await officer.position()).state == State.IDLE


async def test_a_button_of_an_older_message_acts_only_on_its_own_indicator(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await answered_and_waiting(officer, number=5)
    old_cancel = officer.button("explain_cancel")
    await officer.press_data(old_cancel.data)
    await answered_and_waiting(officer, number=7)
    waiting = await officer.position()
    await officer.press_data(old_cancel.data)  # "back" of indicator 5's input, while 7's is open
    assert officer.last.toast == "toast_stale" and await officer.position() == waiting
    await officer.press_data(old_cancel.data.replace("xc:", "sk:"))  # an earlier version's "Lewati penjelasan" of 5
    assert officer.last.toast == "toast_stale" and await officer.position() == waiting
    await officer.text(FACT)
    assert await stored(engine, officer) == {5: (3, None), 7: (3, FACT)}


async def test_a_penjelasan_belongs_to_the_level_it_was_written_for(engine: Engine) -> None:
    await institution_with(engine, (50, "Wati", Role.OFFICER), (60, "Joko", Role.OFFICER))
    wati, joko = Client(engine, 50, "Wati"), Client(engine, 60, "Joko")
    await answered_and_waiting(wati, number=12, level=3)
    await joko.command("loncat", "12")
    await joko.press("level", level=4)  # while Wati writes
    await wati.text(FACT)
    check = wati.reply()
    assert (check.view, check.data["reason"], check.data["who"], check.data["old"], check.data["level"]) == (
        "short:explanation_check", "level_changed", "Joko", Decimal(3), Decimal(4))
    assert await stored(engine, wati) == {12: (4, None)}
    await wati.press("explain_keep")
    assert await stored(engine, wati) == {12: (4, FACT)}
    answer = await engine.db.read.answers.get((await wati.position()).period_id, 12)
    assert answer.answered_by == 60  # the level stays Joko's; the history shows who wrote the penjelasan
    assert (await engine.db.read.answers.history(answer.period_id, 12))[-1].by == 50


async def test_a_paste_over_the_limit_is_refused_whole(engine: Engine) -> None:
    """Telegram delivers a paste over 4096 characters as several messages: the tail alone must not
    become the penjelasan."""
    officer = await officer_of_new_institution(engine)
    await answered_and_waiting(officer)
    await officer.text("Fakta: " + "dokumen dan pasal " * 240)  # part 1, 4096 characters
    refusal = officer.reply()
    assert refusal.view == "short:explanation_too_long" and refusal.data["limit"] == MAX_EXPLANATION_CHARS and refusal.data["split"]
    await officer.text("… dan itulah analisisnya.")  # part 2
    assert officer.views() == ["short:explanation_check"] and officer.reply().data["reason"] == "after_overflow"
    assert await stored(engine, officer) == {12: (3, None)}
    await officer.press("explain_not")  # "Buang"
    assert officer.views() == ["short:explanation_dropped", "short:explanation_still_awaited"]
    step = (await officer.position()).step
    assert isinstance(step, Explanation) and not step.after_overflow
    await officer.text(FACT)
    assert await stored(engine, officer) == {12: (3, FACT)}


async def test_a_new_text_replaces_the_one_waiting_for_a_check(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await answered_and_waiting(officer)
    await officer.text("apa itu peta rencana?")
    assert isinstance((await officer.position()).step, ExplanationCheck)
    await officer.text(FACT)
    assert await stored(engine, officer) == {12: (3, FACT)} and (await officer.position()).state == State.IDLE


async def test_an_edited_message_is_never_input(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await answered_and_waiting(officer)
    before = await officer.position()
    await officer.edit()  # e.g. the penjelasan of another indicator, edited afterwards
    assert officer.views() == ["short:edit_not_read"] and await officer.position() == before
    assert await stored(engine, officer) == {12: (3, None)}


async def test_a_member_removed_meanwhile_writes_nothing(engine: Engine) -> None:
    institution = await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER))
    officer = Client(engine, 50, "Wati")
    await answered_and_waiting(officer)
    old_card = officer.kept[-2]
    async with engine.db.transaction() as tx:
        await tx.members.remove(institution, 50)
    await officer.text(FACT)
    assert officer.views() == ["short:not_member"]
    await officer.text("apa arti level 4?")  # not even asked whether it is the penjelasan
    assert officer.views() == ["short:not_member"]
    await officer.press("level", old_card, level=5)
    assert officer.views() == ["short:not_member"]
    async with engine.db.transaction() as tx:
        period = await tx.periods.latest(institution)
        assert {a.indicator: (int(a.level), a.explanation) for a in await tx.answers.list(period.id)} == {12: (3, None)}


async def test_the_penjelasan_of_a_locked_answer_and_evidence_for_it_are_refused(engine: Engine) -> None:
    await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER))
    lead, officer = Client(engine, 10, "Sari"), Client(engine, 50, "Wati")
    await officer.command("loncat", "12")
    await officer.press("level", level=3)
    card = officer.last
    await lead.command("kunci", "12")
    assert lead.views()[0] == "short:locked_done"
    await officer.press("explain", card)
    assert officer.views() == ["short:locked"]
    await officer.command("loncat", "12")
    await officer.upload("document", file_name="perbup.pdf")
    assert officer.views() == ["short:locked"]
    assert await engine.db.read.evidence.for_answer((await officer.position()).period_id, 12) == []
