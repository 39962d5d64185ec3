"""Team leads in their group chat: linking, the summary edited in place, assignments, deadlines,
reminders after a restart, final answers, member management, and every refusal."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.bot.conftest import BOTH_MODES, BotRun
from tests.bot.fake_telegram import ApiError, FakeUser, Message
from tests.bot.teams import card_number, invite, team

pytestmark = BOTH_MODES

GROUP = -100200300
JAKARTA = ZoneInfo("Asia/Jakarta")


async def linked_team(bot: BotRun, operator: FakeUser) -> tuple[FakeUser, FakeUser, FakeUser]:
    """A koordinator (Sari) and two officers (Budi, Citra) in a group that Sari has linked."""
    lead, budi, citra = await team(bot, operator, ids=(101, 202, 303))
    bot.telegram.add_group(GROUP, "Tim SPBE Kab. Contoh", {lead.id: "administrator", budi.id: "member", citra.id: "member"})
    await lead.send("/hubungkan", chat_id=GROUP)
    return lead, budi, citra


def summary(bot: BotRun, chat_id: int = GROUP) -> Message:
    summaries = [m for m in bot.telegram.chat_messages(chat_id) if "Progres penilaian mandiri" in m.text]
    assert len(summaries) == 1, [m.text[:60] for m in bot.telegram.chat_messages(chat_id)]
    return summaries[0]


async def answer(officer: FakeUser, bot: BotRun, level: int) -> None:
    await officer.press(officer.last(), str(level))


async def test_only_a_group_admin_who_leads_the_institution_can_link_the_group(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, citra = await team(bot, operator, ids=(101, 202, 303))
    bot.telegram.add_group(GROUP, "Tim SPBE", {lead.id: "member", budi.id: "administrator", citra.id: "member"})
    await lead.send("/hubungkan")  # in private chat
    assert "grup tim" in lead.last().text
    await lead.send("/progres", chat_id=GROUP)
    assert "belum terhubung" in bot.telegram.last(GROUP).text
    await lead.send("/hubungkan", chat_id=GROUP)  # a lead, but not an admin of the group
    assert "Hanya admin grup" in bot.telegram.last(GROUP).text
    await budi.send("/hubungkan", chat_id=GROUP)  # a group admin, but an officer
    assert "hanya untuk koordinator" in bot.telegram.last(GROUP).text
    assert await bot.engine.db.read.groups.get(GROUP) is None

    bot.telegram.chats[GROUP].members[lead.id] = "creator"
    await lead.send("/hubungkan", chat_id=GROUP)
    assert "terhubung dengan <b>Pemerintah Kabupaten Contoh</b>" in bot.telegram.chat_messages(GROUP)[-2].raw_text
    assert "Terjawab 0/47" in summary(bot).text

    await bot.telegram.send_as_anonymous_admin(GROUP, "/putuskan")
    assert "admin anonim" in bot.telegram.last(GROUP).text
    await budi.send("/putuskan", chat_id=GROUP)
    assert "hanya untuk koordinator" in bot.telegram.last(GROUP).text
    await lead.send("/putuskan", chat_id=GROUP)
    assert "tidak lagi terhubung" in bot.telegram.last(GROUP).text
    assert await bot.engine.db.read.groups.get(GROUP) is None


async def test_one_institutions_group_never_shows_another_institution(bot: BotRun, operator: FakeUser) -> None:
    _lead, _budi, _ = await linked_team(bot, operator)
    other_lead, other_officer = await team(bot, operator, "Pemerintah Kota Lain", ids=(501, 602))
    bot.telegram.chats[GROUP].members[other_lead.id] = "administrator"
    await other_lead.send("/hubungkan", chat_id=GROUP)
    assert "sudah terhubung dengan instansi lain" in bot.telegram.last(GROUP).text
    await other_lead.send("/tugaskan 1-3 @eko", chat_id=GROUP)
    assert "tidak menjadi anggotanya" in bot.telegram.last(GROUP).text

    await other_officer.send("/mulai")
    await answer(other_officer, bot, 5)
    text = summary(bot).text
    assert "Terjawab 0/47" in text and "Kota Lain" not in text and other_officer.first_name not in text


@pytest.mark.postgres_too  # the real bot on PostgreSQL too (tests/bot/conftest.py)
async def test_the_summary_is_one_message_edited_in_place(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, citra = await linked_team(bot, operator)
    posted = len(bot.telegram.chat_messages(GROUP))
    message = summary(bot)
    await budi.send("/progres", chat_id=GROUP)
    await lead.send("/progres", chat_id=GROUP)
    assert len(bot.telegram.chat_messages(GROUP)) == posted  # nothing posted again

    await budi.send("/mulai")
    await answer(budi, bot, 4)
    await answer(budi, bot, 2)
    await citra.send("/loncat 40")
    await answer(citra, bot, 3)
    text = summary(bot).text
    assert summary(bot) is message and message.edits >= 3
    assert "Terjawab 3/47" in text and "Budi: 2" in text and "Citra: 1" in text
    assert "simulasi Indeks SPBE, bukan nilai resmi" in text and "(Baik)" in text
    assert "Kebijakan Internal SPBE: 2/10" in text and "Layanan SPBE: 1/16" in text
    pack = bot.engine.packs.get("spbe-2020")
    assert not [n for n in (1, 2, 40) if pack.indicator(n).short_name in text]  # no per-indicator details in the group
    assert len(bot.telegram.chat_messages(GROUP)) == posted


async def test_assignments_by_username_by_reply_and_from_the_list(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, citra = await linked_team(bot, operator)
    await lead.send("/tugaskan 12-13 @budi 2026-12-20", chat_id=GROUP)
    assert "Indikator 12-13 ditugaskan kepada Budi, tenggat 20 Desember 2026" in bot.telegram.last(GROUP).text
    assert "Anda mendapat tugas indikator 12-13" in budi.last().text

    citra_said = citra.wrote(GROUP, "Saya bisa bantu aspek layanan publik")
    await lead.send("/tugaskan A8", chat_id=GROUP, reply_to=citra_said)
    assert "Indikator 42-47 ditugaskan kepada Citra" in bot.telegram.last(GROUP).text

    await lead.send("/tugaskan 21, 23")  # in private chat: pick the person from the list
    await lead.press(lead.last(), "Budi")
    assert "Indikator 21, 23 ditugaskan kepada Budi" in lead.last().text

    await budi.send("/mulai")  # the walkthrough starts with Budi's own indicators
    assert card_number(budi.last()) == 12
    await answer(budi, bot, 3)
    assert card_number(budi.last()) == 13
    await budi.send("/tugas")
    tasks = budi.last().text
    assert "✅ 12." in tasks and "⬜ 13." in tasks and "⬜ 21." in tasks and "s.d. 20 Desember 2026" in tasks
    await lead.send("/progres")  # the lead's full table, in private chat only
    table = lead.last().text
    assert "12. Peta Rencana SPBE: level 3 oleh Budi · tugas Budi s.d. 20 Desember 2026" in table
    assert "42. " in table and "tugas Citra" in table

    await lead.send("/tugaskan 99 @budi", chat_id=GROUP)
    assert '"99" bukan nomor indikator' in bot.telegram.last(GROUP).text
    await lead.send("/tugaskan 3 @siapa", chat_id=GROUP)
    assert "belum menjadi anggota tim" in bot.telegram.last(GROUP).text
    await lead.send("/tugaskan", chat_id=GROUP)
    assert "Tulis indikator yang ditugaskan" in bot.telegram.last(GROUP).text
    await budi.send("/tugaskan 5 @citra", chat_id=GROUP)
    assert "hanya untuk koordinator" in bot.telegram.last(GROUP).text
    assignments = await bot.engine.db.read.assignments.for_period((await bot.engine.db.read.periods.latest(1)).id)
    assert {a.indicator: a.user_id for a in assignments} == {12: budi.id, 13: budi.id, 21: budi.id, 23: budi.id,
                                                             **dict.fromkeys(range(42, 48), citra.id)}


@pytest.mark.postgres_too  # the real bot on PostgreSQL too (tests/bot/conftest.py)
async def test_reminders_fire_from_the_stored_schedule_after_a_restart(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, citra = await linked_team(bot, operator)
    bot.set_clock(datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA))
    await lead.send("/tenggat mandiri 2026-12-01 2026-12-05", chat_id=GROUP)
    assert "Tenggat penilaian mandiri: 1 Desember 2026 s.d. 5 Desember 2026" in bot.telegram.last(GROUP).text
    await lead.send("/undang")
    await lead.press(lead.last(), "Anggota tim")
    assert "berlaku sampai 8 Desember 2026 09.00 WIB" in lead.last().text  # a week, in the assistant's zone
    await lead.send("/tugaskan 1-3 @budi", chat_id=GROUP)
    await lead.send("/tugaskan 4 @citra", chat_id=GROUP)
    await citra.send("/mulai")
    await answer(citra, bot, 2)  # Citra is on time
    await budi.send("/pengingat 08:00", chat_id=GROUP)
    assert "hanya untuk koordinator" in bot.telegram.last(GROUP).text
    await lead.send("/pengingat 08:00", chat_id=GROUP)
    assert "Setiap hari pukul 08.00 WIB" in bot.telegram.last(GROUP).text

    await bot.restart()  # the schedule lives in the database, not in the process
    group_messages = len(bot.telegram.chat_messages(GROUP))
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 6, 7, 59, tzinfo=JAKARTA)) == 0
    sent = await bot.transport.send_reminders(bot.application, datetime(2026, 12, 6, 8, 0, tzinfo=JAKARTA))
    assert sent == 2  # the group's digest and one nudge (Budi is late, Citra is not)
    digest = bot.telegram.last(GROUP).text
    assert len(bot.telegram.chat_messages(GROUP)) == group_messages + 1
    assert "Pengingat harian" in digest and "⏰ Budi: 3 indikator" in digest and "(lewat)" in digest
    assert "penilaian mandiri: 1 Desember 2026 s.d. 5 Desember 2026 (lewat)" in digest
    assert "Diperbarui 6 Desember 2026 08.00 WIB" in digest
    assert "Pengingat Pemerintah Kabupaten Contoh: 3 indikator tugas Anda sudah lewat tenggat (1-3)" in budi.last().text
    assert "Pengingat" not in citra.last().text
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 6, 8, 30, tzinfo=JAKARTA)) == 0

    # The assistant was down at 08:00 the next day and comes back at 10:00: the digest still goes out.
    await bot.restart()
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 7, 10, 0, tzinfo=JAKARTA)) == 2
    # Down for a whole day: yesterday's digest is not sent in the middle of the night.
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 8, 23, 0, tzinfo=JAKARTA)) == 0

    await lead.send("/pengingat mati", chat_id=GROUP)
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 9, 8, 0, tzinfo=JAKARTA)) == 0


async def test_a_reminder_claimed_but_not_sent_before_a_stop_is_sent_after_the_restart_once(bot: BotRun, operator: FakeUser) -> None:
    """Claimed and kept in the outbox in one transaction: the digest the network refused goes out
    when the bot is back (at least once), and the claim keeps it from being built and sent again."""
    lead, budi, _ = await linked_team(bot, operator)
    bot.set_clock(datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA))
    await lead.send("/tugaskan 1-3 @budi 2026-12-02", chat_id=GROUP)
    await lead.send("/pengingat 08:00", chat_id=GROUP)
    before = len(bot.telegram.chat_messages(GROUP))
    bot.telegram.fail_next["sendMessage"] = ApiError(502, "Bad Gateway")  # the first message, the digest, is refused
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 6, 8, 0, tzinfo=JAKARTA)) == 2
    assert len(bot.telegram.chat_messages(GROUP)) == before and "sudah lewat tenggat" in budi.last().text
    assert await bot.transport.send_reminders(bot.application, datetime(2026, 12, 6, 8, 1, tzinfo=JAKARTA)) == 0  # claimed
    await bot.restart()
    await bot.telegram.until(lambda: len(bot.telegram.chat_messages(GROUP)) == before + 1)
    await bot.transport.lanes.join()
    assert "Pengingat harian" in bot.telegram.last(GROUP).text
    assert len([m for m in bot.telegram.chat_messages(budi.id) if "sudah lewat tenggat" in m.text]) == 1
    await bot.restart()  # marked sent: not again
    await lead.send("/bantuan", chat_id=GROUP)
    assert len([m for m in bot.telegram.chat_messages(GROUP) if "Pengingat harian" in m.text]) == 1


async def test_final_answers_locked_reopened_and_traced(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, _ = await linked_team(bot, operator)
    await budi.send("/mulai")
    level_5 = budi.last().button("5")  # kept: the officer presses it again after the lock
    await answer(budi, bot, 3)
    await lead.send("/kunci 2", chat_id=GROUP)
    assert "Indikator 2 belum dijawab" in bot.telegram.last(GROUP).text
    await budi.send("/kunci 1", chat_id=GROUP)
    assert "hanya untuk koordinator" in bot.telegram.last(GROUP).text
    await lead.send("/kunci 1", chat_id=GROUP)
    assert "1 jawaban dikunci final" in bot.telegram.last(GROUP).text

    await budi.press(budi.last(), level_5, data=True)  # the locked answer does not change
    assert "sudah dikunci final" in budi.last().text
    period = await bot.engine.db.read.periods.latest(1)
    assert (await bot.engine.db.read.answers.get(period.id, 1)).level == 3
    await budi.send("/buka 1 salah pilih", chat_id=GROUP)
    assert "hanya untuk koordinator" in bot.telegram.last(GROUP).text
    await lead.send("/buka 1")
    assert "Tulis nomor dan alasannya" in lead.last().text
    await lead.send("/buka 1 bukti dukung baru dari Bappeda")
    assert "Indikator 1 dibuka kembali" in lead.last().text
    await budi.send("/loncat 1")
    await answer(budi, bot, 4)
    await budi.send("/riwayat 1")
    history = budi.last().text
    assert "Budi: menjawab level 3" in history and "Sari: mengunci final" in history
    assert re.search(r"^• \d{1,2} [A-Z][a-z]+ \d{4} \d{2}\.\d{2} WIB · Budi: menjawab level 3$", history, re.MULTILINE)
    assert "Sari: membuka kembali, alasan: bukti dukung baru dari Bappeda" in history and "Budi: mengubah level 3 → 4" in history


async def test_a_lead_promotes_and_removes_members(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, citra = await team(bot, operator, ids=(101, 202, 303))
    await budi.send("/anggota")
    assert "hanya untuk koordinator" in budi.last().text
    await lead.send("/anggota")
    listing = lead.last()
    assert "Sari" in listing.text and "(Anda)" in listing.text and "anggota tim" in listing.text
    assert not [t for t, _ in listing.buttons if "Sari" in t]  # no action on oneself
    await lead.press(listing, "Budi jadi PJ")
    assert "Budi @budi: penanggung jawab" in listing.text  # the list is edited in place
    await budi.send("/undang")
    assert "Koordinator" in [t for t, _ in budi.last().buttons]
    await budi.press(budi.last(), "Koordinator")  # a penanggung jawab cannot appoint a koordinator
    assert "Hanya koordinator" in budi.last().text

    await lead.press(listing, "Keluarkan Citra")
    assert "Citra" not in listing.text
    await citra.send("/mulai")
    assert "belum terdaftar" in citra.last().text
    stale = listing.buttons[0][1].replace(str(budi.id), str(citra.id))
    await lead.press(listing, stale, data=True)
    assert "tidak berlaku" in lead.last().text


@pytest.mark.postgres_too  # the real bot on PostgreSQL too (tests/bot/conftest.py)
async def test_a_group_that_becomes_a_supergroup_keeps_its_link(bot: BotRun, operator: FakeUser) -> None:
    lead, budi, _ = await linked_team(bot, operator)
    await lead.send("/pengingat 07:30", chat_id=GROUP)
    new_id = -1009999000111
    await bot.telegram.migrate(GROUP, new_id, by=lead)
    link = await bot.engine.db.read.groups.get(new_id)
    assert link is not None and await bot.engine.db.read.groups.get(GROUP) is None
    assert "Progres penilaian mandiri" in bot.telegram.last(new_id).text  # a fresh summary in the new chat
    assert (await bot.engine.db.read.reminders.for_chat("digest", new_id)).hour == 7

    await budi.send("/mulai")
    await answer(budi, bot, 5)
    assert "Terjawab 1/47" in summary(bot, new_id).text
    await budi.send("/progres", chat_id=new_id)
    assert len([m for m in bot.telegram.chat_messages(new_id) if "Progres" in m.text]) == 1


async def test_summary_edits_after_answers_wait_for_the_groups_pace(bot: BotRun, operator: FakeUser) -> None:
    """The pace is kept in the database (every replica keeps it), with the engine's clock."""
    _lead, budi, _ = await linked_team(bot, operator)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)
    bot.set_clock(start)
    bot.transport.summary_every = timedelta(seconds=30)
    message = summary(bot)
    await budi.send("/mulai")
    await answer(budi, bot, 4)
    edits = message.edits
    assert "Terjawab 1/47" in message.text
    assert (await bot.engine.db.read.groups.get(GROUP)).summary_shown_at == start
    await answer(budi, bot, 3)  # within 30 s: the edit waits in the job queue
    assert message.edits == edits and "Terjawab 1/47" in message.text
    jobs = bot.application.job_queue.get_jobs_by_name(f"summary:{GROUP}")
    assert len(jobs) == 1
    await answer(budi, bot, 2)  # still one pending edit, not one per answer
    assert len(bot.application.job_queue.get_jobs_by_name(f"summary:{GROUP}")) == 1
    jobs[0].schedule_removal()
    bot.set_clock(start + timedelta(seconds=29))
    await jobs[0].run(bot.application)  # what the job does when it runs, a second early (another clock): again later
    assert message.edits == edits and len(bot.application.job_queue.get_jobs_by_name(f"summary:{GROUP}")) == 1
    bot.application.job_queue.get_jobs_by_name(f"summary:{GROUP}")[0].schedule_removal()
    bot.set_clock(start + timedelta(seconds=30))
    await jobs[0].run(bot.application)
    await bot.transport.lanes.join()
    assert "Terjawab 3/47" in message.text and message.edits == edits + 1


async def test_a_groups_summary_stays_in_the_default_language_whoever_refreshes_it(bot: BotRun, operator: FakeUser) -> None:
    lead, _budi, _ = await linked_team(bot, operator)
    sarah = FakeUser(bot.telegram, 909, "Sarah", language="en")
    await invite(lead, sarah, "Anggota tim")
    bot.telegram.chats[GROUP].members[sarah.id] = "member"
    await sarah.send("/progres", chat_id=GROUP)
    assert "Terjawab 0/47" in summary(bot).text  # edited by an English speaker, still in Indonesian
    await sarah.send("/mulai")
    await sarah.press(sarah.last(), "3")
    assert "Progres penilaian mandiri" in summary(bot).text and "Terjawab 1/47" in summary(bot).text


async def test_commands_and_presses_in_a_forum_topic_are_answered_in_that_topic(bot: BotRun, operator: FakeUser) -> None:
    forum, topic = -100700800, 7
    lead, budi, citra = await team(bot, operator, ids=(101, 202, 303))
    bot.telegram.add_group(forum, "Forum SPBE", {lead.id: "administrator", budi.id: "member", citra.id: "member"},
                           kind="supergroup", forum=True)
    await lead.send("/progres", chat_id=forum, thread_id=topic)
    refused = bot.telegram.last(forum)
    assert "belum terhubung" in refused.text and refused.thread_id == topic
    await lead.send("/hubungkan", chat_id=forum)  # in "General": no topic
    message = summary(bot, forum)
    assert message.thread_id is None

    await budi.send("/tanya apa arti level 3 indikator 12", chat_id=forum, thread_id=topic)
    answered = bot.telegram.last(forum)
    assert "Indikator 12" in answered.text and "Level 3" in answered.text and answered.thread_id == topic
    posted = len(bot.telegram.chat_messages(forum))
    await budi.send("/progres", chat_id=forum, thread_id=topic)  # the summary is edited where it is
    assert summary(bot, forum) is message and len(bot.telegram.chat_messages(forum)) == posted
    bot.telegram.messages.remove(message)  # an admin deleted it: a new one is posted, in the topic asked from
    await budi.send("/progres", chat_id=forum, thread_id=topic)
    fresh = summary(bot, forum)
    assert fresh.thread_id == topic and "Terjawab 0/47" in fresh.text
    await budi.send("/mulai", chat_id=forum, thread_id=topic)
    assert "chat pribadi" in bot.telegram.last(forum).text and bot.telegram.last(forum).thread_id == topic

    await lead.send("/tugaskan 5-6", chat_id=forum, thread_id=topic)
    pick = bot.telegram.last(forum)
    assert "kepada siapa" in pick.text.lower() and pick.thread_id == topic
    await budi.press(pick, "Citra")  # a press in the topic is answered in the topic
    assert "hanya untuk koordinator" in bot.telegram.last(forum).text and bot.telegram.last(forum).thread_id == topic
    await lead.press(pick, "Citra")
    assert "ditugaskan kepada Citra" in pick.text  # edited in place
    note = citra.last()
    assert "Anda mendapat tugas indikator 5-6" in note.text and note.thread_id is None  # another chat: no topic
    assert all(m.thread_id is None for m in bot.telegram.messages if m.chat_id != forum)
