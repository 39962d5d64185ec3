"""What replicas share through the database: heartbeats, chat lanes, update turns, the group
summary's pace, reminder claims, the outbox's order; and the outbox of version 5 carried over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import Database, open_database
from storage.sqlite import migrations
from storage.sqlite.database import connect

BOT = 42
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TIMEOUT = timedelta(seconds=15)


async def beat(db: Database, holder: str, at: datetime) -> None:
    async with db.transaction() as tx:
        await tx.replicas.beat(holder, at)


async def take(db: Database, chat_id: int, holder: str, now: datetime) -> bool:
    async with db.transaction() as tx:
        return await tx.replicas.take_lane(BOT, chat_id, holder, now - TIMEOUT, now)


async def drop(db: Database, chat_id: int, holder: str, *, force: bool = False) -> bool:
    async with db.transaction() as tx:
        return await tx.replicas.drop_lane(BOT, chat_id, holder, force=force)


async def test_one_live_replica_holds_a_chats_lane_until_it_drops_it_or_is_gone(db: Database) -> None:
    await beat(db, "a", T0)
    await beat(db, "b", T0)
    assert await take(db, -100, "a", T0)
    assert not await take(db, -100, "b", T0)  # a is alive: b leaves the chat to a
    assert await take(db, -100, "a", T0)  # a again: still a's
    assert await take(db, -200, "b", T0)  # another chat
    async with db.transaction() as tx:
        await tx.outbox.put(7, [(5, "{}"), (-100, '{"messages": []}')], bot_id=BOT)
    assert not await drop(db, -100, "a")  # a part for the chat came meanwhile: a sends it first
    assert not await take(db, -100, "b", T0)
    async with db.transaction() as tx:
        await tx.outbox.mark_sent((await tx.outbox.unsent(BOT, chat_id=-100))[0].id, T0)
    assert await drop(db, -100, "a")
    assert await take(db, -100, "b", T0)  # free again

    later = T0 + timedelta(seconds=16)
    await beat(db, "a", later)  # b's heartbeat is now 16 s old
    assert await take(db, -100, "a", later) and await take(db, -200, "a", later)  # b is gone: its chats are free
    await beat(db, "b", later)
    assert not await take(db, -100, "b", later)
    assert await drop(db, -100, "b", force=True) and not await take(db, -100, "b", later)  # force drops only its own
    async with db.transaction() as tx:
        await tx.replicas.leave("a")
    assert await take(db, -100, "b", later) and await take(db, -200, "b", later)  # a left: at once


async def test_the_chats_waiting_are_those_with_parts_to_send_and_no_live_sender(db: Database) -> None:
    await beat(db, "a", T0)
    await beat(db, "b", T0)
    async with db.transaction() as tx:
        await tx.outbox.put(1, [(5, "{}"), (-300, '{"messages": ["1"]}')], bot_id=BOT)
        await tx.outbox.put(2, [(5, "{}"), (-100, '{"messages": ["2"]}'), (-200, '{"messages": ["3"]}')], bot_id=BOT)
        await tx.outbox.add([(-400, '{"messages": ["a reminder"]}')], bot_id=BOT)
        await tx.outbox.put(3, [(5, "{}")], bot_id=BOT + 1)  # another bot's part 0
    assert await take(db, -100, "a", T0) and await take(db, -200, "b", T0)

    async def waiting(holder: str, now: datetime) -> list[int]:
        return await db.read.replicas.waiting_chats(BOT, holder, now - TIMEOUT)

    assert await waiting("b", T0) == [-300, -200, -400]  # the oldest part first; b's own lane too, not a's
    assert await waiting("c", T0) == [-300, -400]
    assert await waiting("c", T0 + timedelta(seconds=16)) == [-300, -100, -200, -400]  # a and b are gone


async def test_an_update_waits_for_earlier_ones_of_its_user_and_chat_in_flight_on_live_replicas(db: Database) -> None:
    await beat(db, "a", T0)
    await beat(db, "b", T0)
    alive = T0 - TIMEOUT

    async def enter(holder: str, update_id: int, keys: list[str], since: datetime = alive) -> None:
        async with db.transaction() as tx:
            await tx.replicas.enter_turn(BOT, update_id, keys, holder, since)

    async def ahead(holder: str, update_id: int, keys: list[str], since: datetime = alive) -> int | None:
        return await db.read.replicas.turn_ahead(BOT, update_id, keys, holder, since)

    await enter("a", 10, ["user:1", "chat:1"])
    await enter("b", 11, ["user:1", "chat:-100"])
    await enter("b", 12, ["user:2", "chat:-100"])
    assert await ahead("a", 10, ["user:1", "chat:1"]) is None
    assert await ahead("b", 11, ["user:1", "chat:-100"]) == 10  # the same user's earlier update
    assert await ahead("b", 12, ["user:2", "chat:-100"]) == 11  # the same group's earlier update
    assert await ahead("b", 13, ["user:3", "chat:3"]) is None  # nothing in common
    assert await ahead("b", 9, ["user:1"]) is None  # later updates never hold an earlier one

    await enter("b", 10, ["user:1", "chat:1"])  # Telegram sent update 10 again, to b, while a has it
    assert await ahead("b", 10, ["user:1", "chat:1"]) == 10  # b waits for a to finish it
    async with db.transaction() as tx:
        await tx.replicas.leave_turn(BOT, 10, "a")
    assert await ahead("b", 10, ["user:1", "chat:1"]) is None and await ahead("b", 11, ["user:1", "chat:-100"]) is None

    await enter("a", 20, ["user:5"])
    later = T0 + timedelta(seconds=16)
    await beat(db, "b", later)
    assert await ahead("b", 21, ["user:5"], later - TIMEOUT) is None  # a is gone: its turn lapsed
    await enter("b", 20, ["user:5"], later - TIMEOUT)  # and its update, sent again, is b's now
    assert await ahead("c", 20, ["user:5"], later - TIMEOUT) == 20
    async with db.transaction() as tx:
        await tx.replicas.forget_turns("b")
    assert await ahead("c", 21, ["user:5"], later - TIMEOUT) is None


async def test_a_groups_summary_pace_is_claimed_once_per_interval(db: Database) -> None:
    async with db.transaction() as tx:
        institution = await tx.institutions.create(name="Kota Contoh", kind="kota")
        await tx.groups.link(chat_id=-100, institution_id=institution.id, title="Tim", linked_by=1)
    every = timedelta(seconds=30)

    async def pace(at: datetime) -> datetime | None:
        async with db.transaction() as tx:
            return await tx.groups.pace_summary(-100, at, every)

    assert await pace(T0) is None  # claimed
    assert await pace(T0 + timedelta(seconds=10)) == T0 + every  # another replica, 10 s later: not before then
    assert (await db.read.groups.get(-100)).summary_shown_at == T0
    assert await pace(T0 + every) is None
    async with db.transaction() as tx:
        assert await tx.groups.pace_summary(-999, T0, every) is None  # not linked: nothing to pace


async def test_a_reminder_is_claimed_by_one_of_two_replicas_reading_it_at_once(db: Database) -> None:
    async with db.transaction() as tx:
        institution = await tx.institutions.create(name="Kota Contoh", kind="kota")
        schedule = await tx.reminders.add(kind="digest", institution_id=institution.id, hour=8, chat_id=-100)
    seen = schedule.last_sent_at  # both read it unsent
    async with db.transaction() as tx:
        assert await tx.reminders.claim(schedule.id, seen, T0)
    async with db.transaction() as tx:
        assert not await tx.reminders.claim(schedule.id, seen, T0)  # the other finds it claimed
        assert await tx.reminders.claim(schedule.id, T0, T0 + timedelta(days=1))  # the next day, from what it is now
        await tx.reminders.set_enabled(schedule.id, False)
    async with db.transaction() as tx:
        assert not await tx.reminders.claim(schedule.id, T0 + timedelta(days=1), T0 + timedelta(days=2))  # switched off meanwhile


async def test_the_outbox_keeps_the_order_parts_were_written_in(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.outbox.put(9, [(5, "{}"), (-100, '{"messages": ["1"]}')])
        await tx.outbox.add([(-100, '{"messages": ["2"]}'), (7, '{"messages": ["3"]}')])
        await tx.outbox.put(3, [(6, "{}"), (-100, '{"messages": ["4"]}')])  # a lower update id, written later
    unsent = await db.read.outbox.unsent(chat_id=-100)
    assert [p.document for p in unsent] == ['{"messages": ["1"]}', '{"messages": ["2"]}', '{"messages": ["4"]}']
    assert [(p.update_id, p.part) for p in unsent] == [(9, 1), (None, 1), (3, 1)]
    assert [p.id for p in unsent] == sorted(p.id for p in unsent)


async def test_the_outbox_of_version_5_gets_ids_in_the_order_it_was_written(tmp_path: Path) -> None:
    path = tmp_path / "spbe.sqlite3"
    conn = await connect(path)
    try:
        await migrations.upgrade(conn, target=5)
        for update_id, part, created in ((8, 1, "2026-12-01T08:00:02+00:00"), (9, 0, "2026-12-01T08:00:03+00:00"),
                                         (7, 1, "2026-12-01T08:00:01+00:00"), (9, 1, "2026-12-01T08:00:03+00:00")):
            await conn.execute("INSERT INTO outbox (bot_id, update_id, part, chat_id, document, created_at)"
                               " VALUES (0, ?, ?, -100, '{}', ?)",
                               (update_id, part, created))
        await conn.commit()
    finally:
        await conn.close()
    db = await open_database(path)
    try:
        assert [(p.update_id, p.part) for p in await db.read.outbox.unsent()] == [(7, 1), (8, 1), (9, 1)]
        assert [p.part for p in await db.read.outbox.parts(9)] == [0, 1]
    finally:
        await db.close()
