"""The outbox: what the bot sends for an update, kept with the update's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.backends import OpenedStorage
from tests.backends import Backend


async def test_parts_commit_with_the_transaction_and_are_unsent_until_marked(db: OpenedStorage) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.outbox.put(41, [(5, '{"a": 1}'), (-100, '{"b": 2}')])
            raise RuntimeError("the handler failed")
    assert await db.read.outbox.parts(41) == []  # rolled back with the rest

    async with db.transaction() as tx:
        await tx.outbox.put(41, [(5, '{"query": "q"}'), (-100, '{"messages": []}'), (7, '{"messages": []}')])
        await tx.outbox.put(42, [(5, "{}")])
    parts = await db.read.outbox.parts(41)
    assert [(p.part, p.chat_id, p.sent_at) for p in parts] == [(0, 5, None), (1, -100, None), (2, 7, None)]
    assert [(p.update_id, p.part) for p in await db.read.outbox.unsent()] == [(41, 1), (41, 2)]  # part 0 is the handler's

    async with db.transaction() as tx:
        await tx.outbox.mark_sent(parts[1].id, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert [(p.update_id, p.part) for p in await db.read.outbox.unsent()] == [(41, 2)]
    assert [p.part for p in await db.read.outbox.unsent(chat_id=7)] == [2] and await db.read.outbox.unsent(chat_id=-100) == []
    assert await db.read.outbox.parts(41, bot_id=3) == []  # each bot has its own


async def test_old_parts_are_dropped_except_those_still_to_send(backend: Backend) -> None:
    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    db = await backend.open(clock=lambda: now[0])
    try:
        async with db.transaction() as tx:
            await tx.outbox.put(7, [(5, "{}"), (-100, '{"messages": []}')])
            await tx.outbox.put(8, [(5, "{}"), (-100, '{"messages": []}')])
            await tx.outbox.mark_sent((await tx.outbox.parts(8))[1].id, now[0])
        now[0] += timedelta(days=3)
        async with db.transaction() as tx:
            await tx.outbox.put(100, [(5, "{}")])  # every 100th update cleans up
        assert await db.read.outbox.parts(8) == []
        assert [p.part for p in await db.read.outbox.parts(7)] == [1]  # never sent: kept for the next start
        assert len(await db.read.outbox.parts(100)) == 1
    finally:
        await db.close()


async def test_a_chats_newest_part_0_is_undelivered_until_marked(backend: Backend) -> None:
    """What a restart delivers again: per chat only the newest part 0 of the window, and only while
    it is unmarked; parts 1.., other bots and parts before the window are not candidates."""
    now = [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]
    db = await backend.open(clock=lambda: now[0])
    try:
        async with db.transaction() as tx:
            await tx.outbox.put(1, [(5, '{"query": "a"}')])
            await tx.outbox.put(2, [(6, '{"query": "b"}'), (-100, '{"messages": []}')])
            await tx.outbox.put(3, [(5, '{"query": "c"}')])  # chat 5's newest: 1 was delivered before it started
            await tx.outbox.put(4, [(6, '{"query": "d"}')], bot_id=9)
        since = now[0] - timedelta(hours=1)
        assert [(p.update_id, p.chat_id) for p in await db.read.outbox.undelivered(since)] == [(2, 6), (3, 5)]
        assert [p.update_id for p in await db.read.outbox.undelivered(since, bot_id=9)] == [4]
        assert await db.read.outbox.undelivered(now[0] + timedelta(seconds=1)) == []  # written before the window

        async with db.transaction() as tx:
            await tx.outbox.mark_delivered([3, 1], now[0])
        assert [p.update_id for p in await db.read.outbox.undelivered(since)] == [2]  # chat 5's newest is delivered
        assert (await db.read.outbox.parts(2))[1].sent_at is None  # a mark is part 0's only
        async with db.transaction() as tx:
            await tx.outbox.mark_delivered([2], now[0])
        assert await db.read.outbox.undelivered(since) == [] and [p.part for p in await db.read.outbox.unsent()] == [1]
        assert [p.update_id for p in await db.read.outbox.undelivered(since, bot_id=9)] == [4]  # each bot has its own
    finally:
        await db.close()
