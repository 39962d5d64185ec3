"""The live card: one tap per answer, the penjelasan from the card, back, the summary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conversations.engine import Engine
from conversations.events import Press
from conversations.replies import Outcome
from conversations.states import CardRef, Explanation, State
from conversations.walkthrough import MAX_BUTTONS
from storage.models import Role
from tests.conversations.conftest import PACKS, Client, institution_with, officer_of_new_institution, stored


async def test_start_offers_what_the_user_can_do(engine: Engine) -> None:
    stranger = Client(engine, 77, "Tamu")
    await stranger.command("start")
    assert [b.label for row in stranger.reply().buttons for b in row] == ["join_code", "ask_question"]
    operator = Client(engine, 1, "Op")
    await operator.command("start")
    assert "new_institution" in [b.label for row in operator.reply().buttons for b in row]


async def test_one_tap_saves_the_answer_and_turns_the_card_into_the_next(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    assert officer.views() == ["card"] and officer.reply().data["ind"].number == 1 and officer.reply().data["saved"] is None

    await officer.press("level", level=4)
    [card] = officer.last.replies
    assert (card.view, card.edit, card.card, card.data["ind"].number) == ("card", True, True, 2)
    saved = card.data["saved"]
    assert (saved.ind.number, saved.level, saved.level_name) == (1, 4, "Terpadu dan Terukur")
    assert saved.index.value == Decimal("4.00") and card.data["answered"] == 1
    assert officer.last.toast == "toast_saved" and officer.last.toast_args["next_level"] == 5
    position = await officer.position()
    assert (position.indicator, position.state) == (2, State.IDLE)
    assert await stored(engine, officer) == {1: (4, None)}

    # the ✍️ button of the next card is for the answer just saved, and comes back to this card
    explain = officer.button("explain")
    assert explain.args == {"number": 1, "own": False}
    await officer.press_data(explain.data)
    assert officer.reply().view == "explain" and officer.reply().edit
    position = await officer.position()
    assert position.step == Explanation(period_id=position.period_id, indicator=1, level=Decimal(4), then=2)
    await officer.text("Fakta: Perwal 2/2024 pasal 3. Analisis: kebijakan berlaku untuk semua perangkat daerah.")
    [card] = officer.last.replies
    assert (card.view, card.edit, card.data["ind"].number, card.data["explained"]) == ("card", False, 2, 1)
    assert await stored(engine, officer) == {
        1: (4, "Fakta: Perwal 2/2024 pasal 3. Analisis: kebijakan berlaku untuk semua perangkat daerah.")}
    assert (await officer.position()).state == State.IDLE


async def test_every_card_has_at_most_ten_buttons_and_a_line_per_level(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    for pack in PACKS:
        from conversations.walkthrough import card_buttons, level_lines

        for ind in pack.indicators:
            rows = card_buttons(pack, 1, ind, None, ind.number, ind.number - 1)
            assert sum(len(r) for r in rows) <= MAX_BUTTONS, (pack.id, ind.number)
            labels = {b.label for r in rows for b in r}
            assert {"explain", "criteria", "evidence", "menu"} <= labels
            # the guided mode where there is room (five whole levels), else one tap further, in the criteria view
            assert ("guided" in labels) == (len(pack.scale.levels()) == 5 and not pack.scale.fractional), pack.id
            lines = level_lines(pack, ind, "id")
            assert [line.level for line in lines] == pack.scale.levels()
            assert all(line.summary and len(line.summary) <= 42 for line in lines), (pack.id, ind.number)


async def test_back_returns_to_the_previous_card_with_its_answer(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "12")
    await officer.press("level", level=3)
    assert officer.reply().data["ind"].number == 13
    await officer.press("menu")
    assert officer.reply().view == "menu"
    await officer.press("prev", number=12)
    card = officer.reply()
    assert card.data["ind"].number == 12 and card.data["answer"].level == 3
    assert officer.button("level", level=3).args["current"] is True
    await officer.press("menu")
    await officer.press("next")  # skip: the next unanswered after 12 is 13
    assert officer.reply().data["ind"].number == 13
    assert await stored(engine, officer) == {12: (3, None)}


async def test_a_required_penjelasan_is_asked_before_the_card_moves_on(engine: Engine) -> None:
    await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER))
    lead, officer = Client(engine, 10, "Sari"), Client(engine, 50, "Wati")
    await lead.command("penjelasan")
    await lead.press("explanation_toggle", required=True)
    await officer.command("mulai")
    await officer.press("level", level=2)
    assert officer.views() == ["explain"] and officer.reply().data["required"] is True
    assert (await officer.position()).state == State.EXPLANATION
    await officer.text("Fakta: SK Wali Kota 5/2025. Analisis: baru sebagian unit kerja.")
    assert officer.reply().view == "card" and officer.reply().data["ind"].number == 2
    assert await stored(engine, officer) == {1: (2, "Fakta: SK Wali Kota 5/2025. Analisis: baru sebagian unit kerja.")}
    # leaving without it keeps the answer; the card can open the input again
    await officer.press("level", level=3)
    await officer.press("explain_cancel")
    assert officer.reply().view == "card" and officer.reply().data["ind"].number == 2
    assert await stored(engine, officer) == {1: (2, "Fakta: SK Wali Kota 5/2025. Analisis: baru sebagian unit kerja."), 2: (3, None)}


async def test_the_last_answer_turns_the_card_into_the_summary(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    async with engine.db.transaction() as tx:
        institution = (await tx.members.memberships(50))[0].institution_id
        period = await tx.periods.create(institution_id=institution, year=2026, framework="spbe-2020", level_min=1, level_max=5,
                                         indicator_count=47)
        for number in range(1, 47):
            await tx.answers.save(period_id=period.id, indicator=number, level=3, explanation=None, by=50)
    await officer.command("mulai")
    assert officer.reply().data["ind"].number == 47
    await officer.press("level", level=3)
    summary = officer.reply()
    assert (summary.view, summary.edit, summary.data["view"]) == ("summary", True, "head")
    assert summary.data["ev"].complete and summary.data["saved"].ind.number == 47
    await officer.press("explain", number=47)
    await officer.text("Fakta: laporan layanan 2025. Analisis: sesuai level 3.")
    assert officer.reply().view == "summary" and officer.reply().data["saved"] is None
    assert (await stored(engine, officer))[47] == (3, "Fakta: laporan layanan 2025. Analisis: sesuai level 3.")


async def test_the_summary_leads_with_the_headline_and_details_behind_buttons(engine: Engine) -> None:
    await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER))
    lead, officer = Client(engine, 10, "Sari"), Client(engine, 50, "Wati")
    await officer.command("ringkasan")
    head = officer.reply()
    assert head.data["view"] == "head" and [b.args["view"] for b in head.buttons[0]] == ["dom", "asp", "sw"]
    moves = head.data["moves"]
    # nothing answered: every indicator of one aspect gains the same, so the tie is said and broken by number
    assert moves.all_equal and [m.move.indicator for m in moves.shown] == [42, 43, 44]
    await lead.command("tugaskan", "45 @x")  # no such member: refused
    async with engine.db.transaction() as tx:
        await tx.assignments.assign(period_id=head.data["period"].id, indicators=[46], user_id=50, assigned_by=10)
    await officer.command("ringkasan")
    moves = officer.reply().data["moves"]
    assert [m.move.indicator for m in moves.shown] == [46, 42, 43] and moves.shown[0].mine  # own assignment first
    await officer.press("summary_view", view="sw")
    assert officer.reply().data["view"] == "sw" and officer.reply().edit and "strengths" in officer.reply().data
    await officer.press("summary_view", view="head")
    assert officer.reply().data["view"] == "head"


async def test_the_guided_mode_walks_up_and_stops_at_the_first_unmet_level(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "21")
    await officer.press("guided")
    assert (await officer.position()).state == State.GUIDED
    assert officer.reply().view == "guided" and officer.reply().data["level"] == 2
    await officer.text("ya")
    assert officer.views() == ["short:guided_use_buttons"]
    await officer.press("yes", officer.kept[-2])
    await officer.press("yes")
    assert officer.reply().data["level"] == 4
    await officer.press("no")
    result = officer.reply()
    assert (result.view, result.data["proposed"], result.data["failed"]) == ("guided_result", 3, 4)
    assert (await officer.position()).state == State.IDLE
    await officer.press("use_level")
    assert await stored(engine, officer) == {21: (3, None)}


async def test_jump_waits_for_a_number_until_cancelled(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat")
    assert (await officer.position()).state == State.JUMP
    await officer.upload("sticker")
    assert officer.views() == ["short:need_text"]
    await officer.text("99")
    assert officer.views() == ["short:indicator_missing"] and (await officer.position()).state == State.JUMP
    await officer.command("batal")
    assert officer.views() == ["short:cancelled"] and (await officer.position()).state == State.IDLE
    await officer.command("batal")
    assert officer.views() == ["short:nothing_to_cancel"]
    await officer.command("loncat", "31")
    assert officer.reply().view == "card" and (await officer.position()).indicator == 31


async def test_an_update_seen_twice_changes_nothing_the_second_time(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    await officer.press("level", level=3)
    await officer.press("explain")
    await officer.text("Fakta: dokumen A. Analisis: lengkap.", update_id=99999)
    position = await officer.position()
    again = await officer.text("Fakta: dokumen A. Analisis: lengkap.", update_id=99999)
    assert again.replies == [] and await officer.position() == position
    assert len(await engine.db.read.answers.history(position.period_id, 1)) == 2  # the answer, then its penjelasan


async def test_the_position_outlives_the_engine(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "17")
    await officer.press("level", level=2)
    await officer.press("explain")
    restarted = Engine(engine.db, engine.packs, engine.config)  # a new process on the same database
    again = Client(restarted, officer.user.id, "Wati")
    await again.text("Fakta: laporan 2025. Analisis: sebagian.")
    assert await stored(engine, again) == {17: (2, "Fakta: laporan 2025. Analisis: sebagian.")}
    await again.command("mulai")
    assert again.reply().view == "card" and again.reply().data["ind"].number == 18


async def test_a_damaged_position_keeps_the_place_and_drops_the_step(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "9")
    position = await officer.position()
    async with engine.db.transaction() as tx:
        document = position.to_document().replace('"indicator":9', '"indicator":9,"step":{"state":"nonsense"}')
        await tx.positions.save(50, document)
    salvaged = await officer.position()
    assert (salvaged.period_id, salvaged.indicator, salvaged.state) == (position.period_id, 9, State.IDLE)
    await officer.command("mulai")
    assert officer.reply().data["ind"].number == 9


async def test_a_question_is_answered_from_the_reader_and_an_answer_keeps_what_is_sent(engine: Engine,
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-only routes open no transaction and claim nothing; an answer's transaction keeps what
    the bot sends for it (the seal), and a repeated update says so instead of acting again."""
    officer = await officer_of_new_institution(engine)
    card = await officer.command("mulai")
    transactions: list[int] = []
    transaction = engine.db.transaction

    def counting():  # the database's own context manager, counted
        transactions.append(1)
        return transaction()

    monkeypatch.setattr(engine.db, "transaction", counting)
    asked = await officer.text("apa arti level 3 indikator 12", update_id=777)
    assert asked.replies[0].view == "answer" and transactions == []
    assert not await engine.db.read.updates.seen(777)  # a redelivery answers again, changing nothing either way

    sealed: list[Outcome] = []

    def seal(outcome: Outcome) -> list[tuple[int, str]]:
        sealed.append(outcome)
        return [(officer.chat.id, '{"answer": "card"}')]

    data = officer.button("level", card, level=4).data
    first = await engine.handle(Press(officer.user, officer.chat, 778, data=data, message_id=5), seal=seal)
    assert len(transactions) == 1 and sealed == [first] and first.toast == "toast_saved"
    assert [p.document for p in await engine.db.read.outbox.parts(778)] == ['{"answer": "card"}']
    assert (await officer.position()).card == CardRef(chat_id=officer.chat.id, message_id=5)  # the pressed message is the card
    again = await engine.handle(Press(officer.user, officer.chat, 778, data=data, message_id=5), seal=seal)
    assert again.repeated and again.replies == [] and len(sealed) == 1
