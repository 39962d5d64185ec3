"""Inputs that are not what a step waits for: edits, content that is no file, forum topics."""

from __future__ import annotations

from conversations.engine import Engine
from conversations.events import Chat, Command, Edited, User
from conversations.states import State
from storage.models import Role
from tests.conversations.conftest import officer_of_new_institution


async def test_an_edit_in_a_group_gets_no_reply(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "3")
    position = await officer.position()
    group = Chat(-100123, "supergroup", "Tim SPBE")
    assert (await engine.handle(Edited(officer.user, group, 777_001, message_id=5))).replies == []
    assert await officer.position() == position


async def test_content_that_is_no_file_gets_a_reply_and_is_not_kept(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "4")
    for kind in ("dice", "venue", "poll", "photo"):  # a photo without a file id cannot be kept either
        await officer.upload(kind, file_id=None, file_unique_id=None)
        assert (officer.reply().view, officer.reply().data) == ("short:upload_not_supported", {"kind": kind})
    await officer.press("level", officer.kept[0], level=2)
    await officer.press("explain", number=4)
    await officer.upload("dice", file_id=None, file_unique_id=None)
    assert officer.reply().view == "short:need_text" and (await officer.position()).state == State.EXPLANATION
    period = (await officer.position()).period_id
    assert await engine.db.read.evidence.for_answer(period, 4) == []


async def test_replies_in_a_forum_topic_stay_in_it_and_messages_to_other_chats_carry_none(engine: Engine) -> None:
    async with engine.db.transaction() as tx:
        institution = await tx.institutions.create(name="Kota Contoh", kind="kota")
        await tx.members.add(institution_id=institution.id, user_id=60, display_name="Sari", role=Role.KOORDINATOR)
        await tx.members.add(institution_id=institution.id, user_id=50, display_name="Wati", role=Role.OFFICER)
        await tx.members.set_username(50, "wati")
    lead = User(60, "Sari")
    general, topic = Chat(-100900, "supergroup", "Forum SPBE"), Chat(-100900, "supergroup", "Forum SPBE", thread_id=7)
    linked = await engine.handle(Command(lead, general, 1, chat_admin=True, name="hubungkan"))
    assert [r.thread_id for r in linked.replies] == [None, None]

    assigned = await engine.handle(Command(lead, topic, 2, name="tugaskan", args="5 @wati"))
    assert [(r.view, r.chat_id, r.thread_id) for r in assigned.replies] == [
        ("short:assigned", None, 7), ("short:assigned_to_you", 50, None)]
    progress = await engine.handle(Command(lead, topic, 3, name="progres"))
    assert [(r.summary, r.chat_id, r.thread_id) for r in progress.replies] == [(True, -100900, 7)]
    asked = await engine.handle(Command(lead, topic, 4, name="tanya", args="bobot domain layanan"))
    assert [(r.view, r.thread_id) for r in asked.replies] == [("answer", 7)]
    assert (await engine.group_summary(-100900)).thread_id is None  # a refresh after an answer: no topic
