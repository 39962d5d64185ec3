"""The engine when Telegram reuses update ids, and when the disk is full.

A restarted update id sequence (after a week without updates, or a new token) must not make the
engine skip a user's message as a repeat; a full disk must get the user a "not saved" reply, store
nothing of the step (not even its update claim) and confirm nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from conversations.context import EngineConfig
from conversations.engine import Engine
from conversations.events import Command, Press, Text
from conversations.replies import Outcome
from tests.backends import Backend
from tests.conversations.conftest import OPERATOR, PACKS, Client, officer_of_new_institution, stored
from tests.storage.conftest import Clock, fill_the_disk, free_the_disk

BOT = 777000111


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))


@pytest.fixture
async def engine(backend: Backend, clock: Clock) -> AsyncIterator[Engine]:
    """The engine of bot ``BOT``; the database and the engine share one clock."""
    db = await backend.open(clock=clock)
    yield Engine(db, PACKS, EngineConfig(admin_ids=frozenset({OPERATOR}), bot_id=BOT), clock=clock)
    await db.close()


async def command(client: Client, update_id: int, name: str, args: str = "", key: str | None = None) -> Outcome:
    return await client.send(Command(client.user, client.chat, update_id, name=name, args=args, update_key=key))


async def press(client: Client, update_id: int, label: str, key: str | None = None, **args: object) -> Outcome:
    return await client.send(Press(client.user, client.chat, update_id, data=client.button(label, **args).data, update_key=key))


def card_number(outcome: Outcome) -> int:
    return int(outcome.replies[-1].data["ind"].number)


async def test_after_a_week_without_updates_a_reused_id_is_a_new_message(engine: Engine, clock: Clock) -> None:
    officer = await officer_of_new_institution(engine)
    assert card_number(await command(officer, 40, "mulai")) == 1
    assert card_number(await press(officer, 41, "level", level=3)) == 2
    clock.now += timedelta(days=8)  # Telegram then starts at a random id: here, one used before
    assert card_number(await command(officer, 40, "loncat", "12")) == 12
    assert card_number(await press(officer, 41, "level", level=4)) == 13
    assert await stored(engine, officer) == {1: (3, None), 12: (4, None)}


async def test_with_a_new_token_ids_from_1_again_are_new_messages(engine: Engine, clock: Clock) -> None:
    """A young bot's ids are small: a new sequence from 1 lands inside the old one. Telegram's message
    ids tell the updates apart."""
    officer = await officer_of_new_institution(engine)
    await command(officer, 1, "mulai", key="m:50:100")
    await press(officer, 2, "level", key="q:a1", level=2)
    await command(officer, 3, "loncat", "5", key="m:50:102")
    clock.now += timedelta(hours=1)
    assert card_number(await command(officer, 1, "loncat", "20", key="m:50:180")) == 20
    assert card_number(await press(officer, 2, "level", key="q:b7", level=5)) == 21
    assert card_number(await command(officer, 3, "loncat", "30", key="m:50:182")) == 30
    assert await stored(engine, officer) == {1: (2, None), 20: (5, None)}


async def test_a_redelivered_update_is_skipped_and_logged(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    officer = await officer_of_new_institution(engine)
    await command(officer, 10, "mulai", key="m:50:300")
    await press(officer, 11, "level", key="q:c1", level=3)
    position = await officer.position()
    with caplog.at_level(logging.WARNING, logger="conversations.engine"):
        again = await officer.send(Text(officer.user, officer.chat, 11, text="x", update_key="q:c1"))
    assert again.replies == [] and await officer.position() == position
    assert f"update 11 of bot {BOT} (user {officer.user.id}) was processed already" in caplog.text


async def test_two_bots_on_one_database_number_their_updates_apart(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    other_bot = Engine(engine.db, engine.packs, EngineConfig(admin_ids=frozenset({OPERATOR}), bot_id=BOT + 1), clock=engine.clock)
    assert card_number(await command(officer, 70, "mulai")) == 1
    assert card_number(await Client(other_bot, officer.user.id, "Wati").send(
        Command(officer.user, officer.chat, 70, name="loncat", args="9"))) == 9


async def test_a_full_disk_gets_a_not_saved_reply_and_confirms_nothing(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    await fill_the_disk(engine.db)
    confirmed: dict[int, tuple[int, str | None]] = {}
    failed = None
    for number in range(1, 48):  # an answer and a long penjelasan for each indicator, until the disk is full
        text = f"Fakta: Perbup {number}/2024. Analisis: " + "memenuhi kriteria level tiga. " * 59 + "Lengkap."
        before = await officer.position()
        steps = [  # each makes its update from the buttons shown at that moment
            lambda n=number: Press(officer.user, officer.chat, 10_000 + 3 * n, data=officer.button("level", level=3).data),
            lambda n=number: Press(officer.user, officer.chat, 10_001 + 3 * n, data=officer.button("explain").data),
            lambda n=number, text=text: Text(officer.user, officer.chat, 10_002 + 3 * n, text=text),
        ]
        for step, make in enumerate(steps):
            event = make()
            outcome = await officer.send(event)
            assert outcome.replies, "every step gets a reply"
            if officer.views() == ["short:not_saved"]:
                failed = (number, step, event)
                break
            before = await officer.position()
        if failed:
            break
        confirmed[number] = (3, text)
    assert failed is not None, "the disk never filled up"
    number, step, event = failed
    assert officer.last.toast is None and officer.last.card is None  # no card, no "saved" toast: nothing confirmed
    assert await officer.position() == before  # not moved on
    # every confirmed step is stored, the failed one is not (its answer, when the answer was confirmed, has no penjelasan)
    assert await stored(engine, officer) == {**confirmed, **({number: (3, None)} if step > 0 else {})}

    await free_the_disk(engine.db)
    outcome = await officer.send(event)  # the same update again: its claim was rolled back with it, so it is handled now
    assert officer.views() != ["short:not_saved"] and outcome.replies
