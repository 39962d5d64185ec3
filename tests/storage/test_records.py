"""Repositories on a real SQLite file: answers and history, bad input, members, invitations, state."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from storage import MAX_EXPLANATION_CHARS, Database
from storage.errors import AnswerLocked, Conflict, InvalidInput, NotFound, StorageError
from storage.models import AnswerStatus, ChangeKind, Role
from tests.backends import Backend
from tests.storage.conftest import make_period


async def test_saving_an_answer_writes_its_history(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=12, level=2, explanation=None, by=7)
    async with db.transaction() as tx:
        text = "Fakta: Perwal 5/2024. Analisis: lengkap."
        answer = await tx.answers.save(period_id=period, indicator=12, level=3, explanation=text, by=7)
    assert (answer.level, answer.status) == (Decimal(3), AnswerStatus.DRAFT)
    history = await db.read.answers.history(period, 12)
    assert [(h.kind, h.old_level, h.new_level) for h in history] == [
        (ChangeKind.ANSWER, None, Decimal(2)), (ChangeKind.EDIT, Decimal(2), Decimal(3))
    ]
    assert history[1].new_explanation.startswith("Fakta: Perwal 5/2024")


async def test_two_officers_saving_the_same_indicator_at_the_same_moment(db: Database) -> None:
    institution, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.members.add(institution_id=institution, user_id=8, display_name="Made", role="officer")

    async def save(user: int, level: int) -> None:
        async with db.transaction() as tx:
            await tx.answers.save(period_id=period, indicator=5, level=level, explanation=f"oleh {user}", by=user)

    await asyncio.gather(save(7, 2), save(8, 4))
    history = await db.read.answers.history(period, 5)
    assert sorted(h.by for h in history) == [7, 8]
    last = history[-1]
    answer = await db.read.answers.get(period, 5)
    assert (answer.level, answer.answered_by) == (last.new_level, last.by)


async def test_bad_input_raises_clear_domain_errors(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        with pytest.raises(NotFound, match="institution 999 does not exist"):
            await tx.periods.create(institution_id=999, year=2025, framework="spbe-2020", level_min=1, level_max=5, indicator_count=47)
        with pytest.raises(InvalidInput, match=r"level 6 is outside the scale 1..5 of spbe-2020"):
            await tx.answers.save(period_id=period, indicator=3, level=6, explanation=None, by=7)
        with pytest.raises(InvalidInput, match=r"level 0 is outside the scale 1..5"):
            await tx.answers.save(period_id=period, indicator=3, level=0, explanation=None, by=7)
        with pytest.raises(InvalidInput, match=r"indicator 48 does not exist in spbe-2020 \(1..47\)"):
            await tx.answers.save(period_id=period, indicator=48, level=3, explanation=None, by=7)
        with pytest.raises(InvalidInput, match="whole levels only"):
            await tx.answers.save(period_id=period, indicator=3, level="2.5", explanation=None, by=7)
        with pytest.raises(InvalidInput, match=f"the limit is {MAX_EXPLANATION_CHARS}"):
            await tx.answers.save(period_id=period, indicator=3, level=3, explanation="x" * (MAX_EXPLANATION_CHARS + 1), by=7)
        with pytest.raises(NotFound, match="evaluation period 404 does not exist"):
            await tx.answers.save(period_id=404, indicator=3, level=3, explanation=None, by=7)
        with pytest.raises(InvalidInput, match="unknown institution kind"):
            await tx.institutions.create(name="X", kind="desa")
    assert await db.read.answers.count(period) == 0


async def test_a_failed_action_stores_nothing(db: Database) -> None:
    _, period = await make_period(db)
    with pytest.raises(InvalidInput):
        async with db.transaction() as tx:
            await tx.answers.save(period_id=period, indicator=1, level=3, explanation=None, by=7)
            await tx.answers.save(period_id=period, indicator=2, level=9, explanation=None, by=7)
    assert await db.read.answers.count(period) == 0
    assert await db.read.answers.history(period) == []


async def test_fractional_values_round_trip_exactly(db: Database) -> None:
    _, period = await make_period(db, framework="pemdi-2026", indicators=20, fractional=True)
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=3, level="1.26", explanation=None, by=7)
        await tx.answers.save(period_id=period, indicator=17, level=Decimal("2.5"), explanation=None, by=7)
        with pytest.raises(InvalidInput, match="more than two decimals"):
            await tx.answers.save(period_id=period, indicator=4, level="1.255", explanation=None, by=7)
    assert await db.read.answers.levels(period) == {3: Decimal("1.26"), 17: Decimal("2.5")}


async def test_lock_and_reopen_leave_an_audit_trail(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=1, level=3, explanation=None, by=7)
        assert await tx.answers.lock(period, None, by=1) == [1]
    async with db.transaction() as tx:
        with pytest.raises(AnswerLocked, match="final"):
            await tx.answers.save(period_id=period, indicator=1, level=4, explanation=None, by=7)
        with pytest.raises(InvalidInput, match="needs a reason"):
            await tx.answers.reopen(period, 1, by=1, reason="  ")
        reopened = await tx.answers.reopen(period, 1, by=1, reason="bukti baru dari Bappeda")
        assert reopened.status is AnswerStatus.DRAFT
        await tx.answers.save(period_id=period, indicator=1, level=4, explanation=None, by=7)
    kinds = [(h.kind, h.by, h.reason) for h in await db.read.answers.history(period, 1)]
    assert kinds == [
        (ChangeKind.ANSWER, 7, None), (ChangeKind.LOCK, 1, None), (ChangeKind.REOPEN, 1, "bukti baru dari Bappeda"),
        (ChangeKind.EDIT, 7, None),
    ]


async def test_the_same_update_processed_twice_is_stored_once(db: Database) -> None:
    _, period = await make_period(db)

    async def apply(update_id: int) -> None:
        async with db.transaction() as tx:
            if not await tx.updates.claim(update_id):
                return
            current = await tx.answers.get(period, 9)
            level = 1 if current is None else int(current.level) + 1
            await tx.answers.save(period_id=period, indicator=9, level=level, explanation=None, by=7)

    await apply(555)
    await apply(555)
    assert (await db.read.answers.get(period, 9)).level == 1
    assert len(await db.read.answers.history(period, 9)) == 1


async def test_invitations_are_single_use_and_expire(backend: Backend) -> None:
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    db = await backend.open(clock=lambda: now)
    try:
        async with db.transaction() as tx:
            institution = await tx.institutions.create(name="Kementerian Contoh", kind="kementerian")
            invite = await tx.invitations.create(
                institution_id=institution.id, role=Role.OFFICER, created_by=1, expires_at=now + timedelta(days=7)
            )
            old = await tx.invitations.create(
                institution_id=institution.id, role=Role.OFFICER, created_by=1, expires_at=now - timedelta(seconds=1)
            )
        assert 16 <= len(invite.code) <= 32 and invite.code.replace("-", "").replace("_", "").isalnum()
        async with db.transaction() as tx:
            member = await tx.invitations.redeem(invite.code, user_id=50, display_name="Rina")
            assert (member.institution_id, member.role) == (institution.id, Role.OFFICER)
            with pytest.raises(Conflict, match="already been used") as used:
                await tx.invitations.redeem(invite.code, user_id=51, display_name="Dodi")
            assert used.value.code == "used_up"
            with pytest.raises(Conflict, match="expired"):
                await tx.invitations.redeem(old.code, user_id=51, display_name="Dodi")
            with pytest.raises(NotFound, match="unknown invitation code"):
                await tx.invitations.redeem("nope", user_id=51, display_name="Dodi")
        assert await db.read.members.get(institution.id, 51) is None
    finally:
        await db.close()


async def test_members_are_removed_not_deleted(db: Database) -> None:
    institution, _ = await make_period(db)
    async with db.transaction() as tx:
        removed = await tx.members.remove(institution, 7)
        assert not removed.active and removed.removed_at is not None
        with pytest.raises(NotFound, match="user 99 is not a member"):
            await tx.members.remove(institution, 99)
    assert [m.user_id for m in await db.read.members.list(institution)] == []
    assert [m.user_id for m in await db.read.members.list(institution, active_only=False)] == [7]


async def test_positions_are_kept_as_documents(db: Database) -> None:
    assert await db.read.positions.document(7) is None
    async with db.transaction() as tx:
        await tx.positions.save(7, '{"user_id": 7, "indicator": 12}')
        await tx.positions.save(7, '{"user_id": 7, "indicator": 13}')
    assert await db.read.positions.document(7) == '{"user_id": 7, "indicator": 13}'


async def test_a_savepoint_undoes_only_its_block(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.positions.save(1, "kept")
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.positions.save(2, "undone")
                await tx.positions.save(1, "undone too")
                raise RuntimeError("refused")
        async with tx.savepoint():
            await tx.positions.save(3, "kept as well")
    assert (await db.read.positions.document(1), await db.read.positions.document(2)) == ("kept", None)
    assert await db.read.positions.document(3) == "kept as well"


async def test_evidence_is_stored_once_and_supports_several_answers(db: Database) -> None:
    institution, period = await make_period(db)
    async with db.transaction() as tx:
        first = await tx.evidence.add(
            institution_id=institution, file_id="f1", file_unique_id="u1", kind="document", uploaded_by=7,
            file_name="perbup-arsitektur.pdf", size=1200,
        )
        again = await tx.evidence.add(institution_id=institution, file_id="f1b", file_unique_id="u1", kind="document", uploaded_by=7)
        await tx.evidence.link(first.id, period, 1, by=7)
        await tx.evidence.link(first.id, period, 11, by=7)
    assert again.id == first.id
    assert await db.read.evidence.uses(first.id) == [(period, 1), (period, 11)]
    assert [e.file_name for e in await db.read.evidence.for_answer(period, 11)] == ["perbup-arsitektur.pdf"]


async def test_a_group_link_follows_a_supergroup_migration(db: Database) -> None:
    institution, _ = await make_period(db)
    async with db.transaction() as tx:
        await tx.groups.link(chat_id=-100, institution_id=institution, title="Tim SPBE", linked_by=7)
        await tx.reminders.add(kind="group_digest", institution_id=institution, chat_id=-100, hour=8)
        moved = await tx.groups.migrate(-100, -1001234)
    assert moved.institution_id == institution and await db.read.groups.get(-100) is None
    assert [s.chat_id for s in await db.read.reminders.list()] == [-1001234]


async def test_reads_do_not_wait_for_an_open_write(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=2, level=3, explanation=None, by=7)
        # the write is not committed: the reader sees the last committed state, without waiting
        assert await asyncio.wait_for(db.read.answers.count(period), timeout=2) == 0
    assert await db.read.answers.count(period) == 1


async def test_errors_are_domain_errors(db: Database) -> None:
    assert issubclass(AnswerLocked, StorageError) and issubclass(Conflict, StorageError)
    with pytest.raises(StorageError, match="database error"):
        async with db.transaction() as tx:
            await tx.answers._execute("INSERT INTO nowhere VALUES (1)")


async def test_members_are_found_by_username_whatever_its_case(db: Database) -> None:
    institution, _ = await make_period(db)
    async with db.transaction() as tx:
        await tx.members.add(institution_id=institution, user_id=8, display_name="Made", role="officer", username="@Made_Bali")
        await tx.members.set_username(7, "ayu_kota")
    assert (await db.read.members.by_username(institution, "made_bali")).user_id == 8
    assert (await db.read.members.by_username(institution, "@AYU_KOTA")).user_id == 7
    assert await db.read.members.by_username(institution, "nobody") is None
    async with db.transaction() as tx:  # joining again without a username keeps the known one
        await tx.members.add(institution_id=institution, user_id=8, display_name="Made", role="officer")
        await tx.members.remove(institution, 8)
    assert (await db.read.members.get(institution, 8)).username == "Made_Bali"
    assert await db.read.members.by_username(institution, "made_bali") is None  # removed members are not found


async def test_one_reminder_schedule_of_a_kind_per_chat(db: Database) -> None:
    institution, _ = await make_period(db)
    async with db.transaction() as tx:
        schedule = await tx.reminders.add(kind="digest", institution_id=institution, hour=8, chat_id=-100)
        with pytest.raises(StorageError):
            await tx.reminders.add(kind="digest", institution_id=institution, hour=9, chat_id=-100)
    async with db.transaction() as tx:
        other = await tx.institutions.create(name="Kota Lain", kind="kota")
        moved = await tx.reminders.set_time(schedule.id, 16, 30, "Asia/Makassar", other.id)
        with pytest.raises(InvalidInput, match="25:00 is not a time of day"):
            await tx.reminders.set_time(schedule.id, 25, 0, "Asia/Jakarta", other.id)
    assert (moved.hour, moved.minute, moved.timezone, moved.institution_id) == (16, 30, "Asia/Makassar", other.id)
    assert (await db.read.reminders.for_chat("digest", -100)).id == schedule.id


async def test_a_penjelasan_is_kept_only_for_the_level_it_was_written_for(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=4, level=3, explanation=None, by=7)
        await tx.answers.save(period_id=period, indicator=4, level=4, explanation=None, by=8)  # another member
        with pytest.raises(Conflict, match="is at level 4, not 3") as raised:
            await tx.answers.explain(period_id=period, indicator=4, level=Decimal(3), explanation="Untuk level 3", by=7)
        assert raised.value.code == "level_changed"
        with pytest.raises(NotFound):
            await tx.answers.explain(period_id=period, indicator=5, level=Decimal(3), explanation="x", by=7)
        answer = await tx.answers.explain(period_id=period, indicator=4, level=Decimal(4), explanation="Untuk level 4", by=7)
    assert (answer.level, answer.explanation, answer.answered_by) == (4, "Untuk level 4", 8)  # the level stays the chooser's
    last = (await db.read.answers.history(period, 4))[-1]
    assert (last.kind, last.by, last.new_explanation) == (ChangeKind.EDIT, 7, "Untuk level 4")


async def test_a_pending_assignment_is_taken_once(db: Database) -> None:
    _, period = await make_period(db)
    async with db.transaction() as tx:
        first = await tx.assignments.add_pending(period_id=period, indicators=[3, 1, 2], due_on=None, created_by=7)
        second = await tx.assignments.add_pending(period_id=period, indicators=[9], due_on=date(2026, 12, 20), created_by=7)
    async with db.transaction() as tx:
        taken = await tx.assignments.take_pending(first.id)
        assert taken is not None and taken.indicators == [1, 2, 3]
        assert await tx.assignments.take_pending(first.id) is None
        assert await tx.assignments.take_pending(999) is None
        other = await tx.assignments.take_pending(second.id)
    assert other is not None and (other.indicators, other.due_on) == ([9], date(2026, 12, 20))
