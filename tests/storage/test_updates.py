"""The update claim across a restarted update id sequence: per bot, and a new sequence is seen as new.

Telegram numbers a bot's updates one after another and redelivers the ones not confirmed; after a
week without updates it starts again at a random id, and a new token may start anew. A repeat is
skipped; an update of a new sequence never is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_database
from storage.backends import OpenedStorage
from storage.rules import RESTART_GAP
from tests.backends import Backend
from tests.storage.conftest import Clock

BOT = 777000111


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def db(backend: Backend, clock: Clock) -> AsyncIterator[OpenedStorage]:
    database = await backend.open(clock=clock)
    yield database
    await database.close()


async def claim(db: OpenedStorage, update_id: int, bot_id: int = BOT, key: str | None = None) -> bool:
    async with db.transaction() as tx:
        return await tx.updates.claim(update_id, bot_id=bot_id, key=key)


async def claims(db: OpenedStorage, ids: range, bot_id: int = BOT) -> list[bool]:
    return [await claim(db, update_id, bot_id) for update_id in ids]


async def test_a_redelivered_update_is_a_repeat_for_24_hours(db: OpenedStorage, clock: Clock) -> None:
    assert await claims(db, range(500, 510)) == [True] * 10
    assert await claim(db, 505) is False
    clock.advance(hours=23)
    assert await claim(db, 505) is False and await claim(db, 510) is True


async def test_each_bot_numbers_its_own_updates(db: OpenedStorage) -> None:
    assert await claim(db, 7, bot_id=1) and await claim(db, 7, bot_id=2)
    assert not await claim(db, 7, bot_id=1) and not await claim(db, 7, bot_id=2)


async def test_after_a_week_without_updates_the_ids_start_anew(db: OpenedStorage, clock: Clock) -> None:
    assert await claims(db, range(1000, 1020)) == [True] * 20
    clock.advance(days=7, minutes=1)  # Telegram picks the next id at random: here, inside the old range
    assert await claims(db, range(1005, 1010)) == [True] * 5
    assert await claim(db, 1007) is False  # and the new sequence's own repeats are still caught
    assert await claim(db, 1015) is True  # the old sequence's ids are forgotten


async def test_an_id_far_below_the_highest_starts_a_new_sequence(db: OpenedStorage, clock: Clock) -> None:
    high = 50_000_000
    assert await claims(db, range(high, high + 5)) == [True] * 5
    clock.advance(minutes=5)
    assert await claims(db, range(high - RESTART_GAP - 10, high - RESTART_GAP - 5)) == [True] * 5
    assert await claim(db, high - RESTART_GAP - 8) is False
    # the old sequence is forgotten: Telegram redelivers nothing of it
    assert await claims(db, range(high, high + 3)) == [True] * 3
    assert await claim(db, high + 1) is False


async def test_an_id_claimed_for_another_update_starts_a_new_sequence(db: OpenedStorage, clock: Clock) -> None:
    """A young bot gets a new token and Telegram starts again from a low id, inside the old range:
    the ids repeat, the updates (their chat and message ids) do not."""
    assert [await claim(db, n, key=f"m:42:{n + 100}") for n in range(1, 30)] == [True] * 29
    clock.advance(hours=2)
    assert await claim(db, 1, key="m:42:500") is True
    assert await claim(db, 2, key="m:42:501") is True
    assert await claim(db, 2, key="m:42:501") is False  # its redelivery is a repeat
    assert await claim(db, 3, key="q:8812") is True


async def test_an_id_claimed_more_than_a_day_ago_is_no_redelivery(db: OpenedStorage, clock: Clock) -> None:
    """Telegram keeps an update 24 hours at most: the same id after that belongs to a new sequence."""
    assert await claims(db, range(1, 4)) == [True] * 3
    clock.advance(hours=25)
    assert await claim(db, 2) is True
    assert await claim(db, 3) is True  # the whole old sequence is forgotten, not only the id that came again


async def test_seen_answers_as_a_claim_would_without_writing(db: OpenedStorage, clock: Clock) -> None:
    assert await db.read.updates.seen(10, bot_id=BOT) is False  # nothing claimed yet
    assert await claim(db, 10, key="m:42:100")
    assert await db.read.updates.seen(10, bot_id=BOT, key="m:42:100") is True
    assert await db.read.updates.seen(10, bot_id=BOT, key="m:42:999") is False  # another update with that id
    assert await db.read.updates.seen(10, bot_id=BOT + 1) is False
    assert await db.read.updates.seen(11, bot_id=BOT) is False
    clock.advance(hours=25)
    assert await db.read.updates.seen(10, bot_id=BOT) is False
    assert await claim(db, 10) is True  # seen wrote nothing: the claim decides afresh


async def test_a_new_sequence_forgets_the_old_ones_outbox_except_what_is_unsent(db: OpenedStorage, clock: Clock) -> None:
    async with db.transaction() as tx:
        assert await tx.updates.claim(5, bot_id=BOT)
        await tx.outbox.put(5, [(1, "{}"), (-100, '{"messages": ["a"]}'), (-200, '{"messages": ["b"]}')], bot_id=BOT)
        await tx.outbox.mark_sent((await tx.outbox.parts(5, bot_id=BOT))[1].id, clock())
    clock.advance(hours=25)
    async with db.transaction() as tx:
        assert await tx.updates.claim(5, bot_id=BOT)  # a new sequence
    assert [p.part for p in await db.read.outbox.parts(5, bot_id=BOT)] == [2]  # part 0 and the sent part 1 went
    async with db.transaction() as tx:  # the new update 5's parts take their numbers
        await tx.outbox.put(5, [(1, "{}"), (-100, '{"messages": ["c"]}'), (-300, '{"messages": ["d"]}')], bot_id=BOT)
    assert [(p.part, p.chat_id) for p in await db.read.outbox.unsent(bot_id=BOT)] == [(1, -100), (2, -300)]


async def test_updates_claimed_before_bot_ids_were_kept_belong_to_the_first_bot(tmp_path: Path, clock: Clock) -> None:
    """A database from before migration 0004: its processed updates become the first bot's."""
    from storage.sqlite import migrations
    from storage.sqlite.database import connect

    path = tmp_path / "old.sqlite3"
    conn = await connect(path)
    try:
        await migrations.upgrade(conn, target=3)
        await conn.execute("INSERT INTO processed_updates (update_id, processed_at) VALUES (900, ?)", (clock.now.isoformat(),))
    finally:
        await conn.close()
    db = await open_database(path, clock=clock)
    try:
        assert await claim(db, 900) is False  # a redelivery just after the upgrade is still a repeat
        assert await claim(db, 901) is True
        assert await claim(db, 900, bot_id=BOT + 1) is True  # another bot's update 900 is another update
    finally:
        await db.close()
