"""Leads' actions at the engine: who may do what, pick lists, reminders, periods, notices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from conversations.engine import Engine
from conversations.events import Chat, Command
from conversations.replies import Reply
from storage.models import Role
from tests.backends import Backend
from tests.conversations.conftest import PACKS, Client, institution_with

GROUP = Chat(-1001, "supergroup", "Tim SPBE")


async def team(engine: Engine) -> tuple[int, Client, Client, Client]:
    institution = await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER), (60, "Joko", Role.OFFICER))
    return institution, Client(engine, 10, "Sari"), Client(engine, 50, "Wati"), Client(engine, 60, "Joko")


async def assignees(engine: Engine, institution: int) -> dict[int, int]:
    period = await engine.db.read.periods.latest(institution)
    assert period is not None
    return {a.indicator: a.user_id for a in await engine.db.read.assignments.for_period(period.id)}


async def test_the_pick_list_applies_the_request_of_the_message_pressed(engine: Engine) -> None:
    institution, lead, wati, _joko = await team(engine)
    await lead.command("tugaskan", "1-3")
    first = lead.last
    await lead.command("tugaskan", "10 12 2026-12-20")
    await lead.press("assignee", first, name="Joko")  # the older list: indicators 1-3, not 10 and 12
    assert await assignees(engine, institution) == {1: 60, 2: 60, 3: 60}
    assert lead.last.replies[0].edit and lead.last.replies[1].chat_id == 60  # Joko is told privately
    await lead.press("assignee", first, name="Wati")  # a list is used once
    assert lead.last.toast == "toast_stale" and await assignees(engine, institution) == {1: 60, 2: 60, 3: 60}
    second = lead.kept[-3]
    await wati.press_data(lead.button("assignee", second, name="Wati").data)  # an officer cannot pick
    assert wati.views() == ["short:lead_only"] and await assignees(engine, institution) == {1: 60, 2: 60, 3: 60}
    await lead.press("assignee", second, name="Wati")
    period = await engine.db.read.periods.latest(institution)
    due = {a.indicator: a.due_on for a in await engine.db.read.assignments.for_period(period.id)}
    assert await assignees(engine, institution) == {1: 60, 2: 60, 3: 60, 10: 50, 12: 50} and str(due[10]) == "2026-12-20"


async def test_a_refused_command_leaves_nothing_behind(engine: Engine) -> None:
    institution, lead, _, _ = await team(engine)
    await lead.command("tugaskan", "xyz")
    assert lead.views() == ["short:assign_bad_part"]
    assert await engine.db.read.periods.latest(institution) is None  # no period was created for the refusal


async def test_the_period_year_is_the_local_year(engine: Engine, clock: list[datetime]) -> None:
    institution, lead, _, _ = await team(engine)
    clock[0] = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00.30 WIB on 1 January 2027
    await lead.command("mulai")
    period = await engine.db.read.periods.latest(institution)
    assert period is not None and period.year == 2027


async def test_period_buttons_are_refused_in_a_group(engine: Engine) -> None:
    _, lead, _, _ = await team(engine)
    await lead.command("mulai")
    card = lead.last
    in_group = Client(engine, 10, "Sari", chat=GROUP)
    for label in ("level", "criteria", "menu", "explain"):
        await in_group.press_data(lead.button(label, card).data)
        assert in_group.views() == ["short:private_only"], label
    await in_group.press_data("rq:1:1")
    assert in_group.views() == ["short:private_only"]


async def test_the_daily_digest_follows_the_group_to_another_institution(engine: Engine, clock: list[datetime]) -> None:
    first, _lead, _, _ = await team(engine)
    second = await institution_with(engine, (10, "Sari", Role.KOORDINATOR), name="Kota Kedua")
    in_group = Client(engine, 10, "Sari", chat=GROUP)

    async def command(name: str, args: str = "") -> None:
        from conversations.events import Command

        await in_group.send(Command(in_group.user, GROUP, None, chat_admin=True, name=name, args=args))

    await command("hubungkan")
    await command("pengingat", "08:00")
    await command("putuskan")
    async with engine.db.transaction() as tx:  # Sari now works in the second institution
        await tx.positions.save(10, f'{{"user_id": 10, "institution_id": {second}}}')
    await command("hubungkan")
    assert (await engine.db.read.groups.get(GROUP.id)).institution_id == second
    await command("pengingat", "09:00")
    assert in_group.views() == ["short:reminder_set"]
    due = await engine.due_reminders(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # 09.00 WIB
    digests = [r for r in due if r.view == "progress"]
    assert len(digests) == 1 and digests[0].data["p"].institution.id == second and first != second


async def test_two_engines_on_one_database_claim_a_due_reminder_once(engine: Engine, backend: Backend) -> None:
    """Two replicas tick at the same moment: each reads the schedule due, one claims it and keeps
    what it sends in the outbox in the same transaction; the other sends nothing."""
    await team(engine)
    in_group = Client(engine, 10, "Sari", chat=GROUP)
    await in_group.send(Command(in_group.user, GROUP, None, chat_admin=True, name="hubungkan", args=""))
    await in_group.send(Command(in_group.user, GROUP, None, chat_admin=True, name="pengingat", args="09:00"))
    other = await backend.open()
    try:
        second = Engine(other, PACKS, engine.config, clock=engine.clock)
        at = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 09.00 WIB the next day

        def seal(replies: list[Reply]) -> list[tuple[int, str]]:
            return [(reply.chat_id or 0, reply.view) for reply in replies]

        results = await asyncio.gather(engine.due_reminders(at, seal=seal), second.due_reminders(at, seal=seal))
        assert sorted(len(replies) for replies in results) == [0, 1]  # the digest, from one of them
        assert [(p.chat_id, p.document, p.update_id) for p in await engine.db.read.outbox.unsent()] == [(GROUP.id, "progress", None)]
        assert await second.due_reminders(at) == [] and await engine.due_reminders(at) == []
    finally:
        await other.close()


async def test_only_leads_manage_members(engine: Engine) -> None:
    institution, lead, wati, _ = await team(engine)
    await wati.command("anggota")
    assert wati.views() == ["short:lead_only"]
    await lead.command("anggota")
    remove_joko = lead.button("member_action", action="rm", name="Joko")
    await wati.press_data(remove_joko.data)
    assert wati.views() == ["short:lead_only"]
    assert {m.user_id for m in await engine.db.read.members.list(institution)} == {10, 50, 60}
    await lead.press_data(remove_joko.data)
    assert {m.user_id for m in await engine.db.read.members.list(institution)} == {10, 50}


async def test_officers_are_told_when_their_answers_are_locked_or_reopened(engine: Engine) -> None:
    _, lead, wati, _joko = await team(engine)
    await lead.command("tugaskan", "5 @nobody")
    async with engine.db.transaction() as tx:
        await tx.members.set_username(60, "joko")
    await lead.command("tugaskan", "5 @joko")
    await wati.command("loncat", "4")
    await wati.press("level", level=3)
    await wati.press("level", level=2)  # the card is now 5 (Joko's)
    await lead.command("kunci", "semua")
    notes = {r.chat_id: r for r in lead.last.replies[1:]}
    assert set(notes) == {50, 60}
    assert (notes[50].view, notes[50].data["indicators"]) == ("short:locked_for_you", "4-5")
    assert notes[60].data["indicators"] == "5"
    await lead.command("buka", "4 bukti dukung belum sah")
    notes = {r.chat_id: r for r in lead.last.replies[1:]}
    assert set(notes) == {50} and notes[50].view == "short:reopened_for_you" and notes[50].data["reason"] == "bukti dukung belum sah"


async def test_the_candidates_of_an_unsure_answer_can_be_pressed(engine: Engine) -> None:
    asker = Client(engine, 77, "Tamu")
    for question in ("rencana", "arsitektur", "data", "layanan"):
        await asker.text(question)
        if any(row for reply in asker.last.replies for row in reply.buttons):
            break
    else:
        raise AssertionError("no unsure answer with candidates")
    for candidate in [b for row in asker.reply().buttons for b in row]:
        await asker.press_data(candidate.data)
        assert asker.views() == ["answer"] and asker.last.toast == "toast_done"


async def test_a_question_naming_another_framework_is_answered_and_its_candidates_pressed_there(engine: Engine) -> None:
    asker = Client(engine, 78, "Tamu")
    await asker.text("di pemdi 2026 level 3 kepuasan pengguna seperti apa")
    reply = asker.reply()
    assert reply.view == "answer" and reply.data["pack"].id == "pemdi-2026" and reply.data["answer"].home == "spbe-2020"
    await asker.text("pemdi kebijakan layanan")  # unsure: candidates from the Pemdi pack
    buttons = [b for row in asker.reply().buttons for b in row]
    assert buttons and all(b.data.split(":")[1] == "pemdi-2026" for b in buttons)
    await asker.press_data(buttons[0].data)
    assert asker.views() == ["answer"] and asker.reply().data["pack"].id == "pemdi-2026"
