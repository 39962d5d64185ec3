"""The update pipeline in one process: the order of each user's and each chat's updates, users
side by side, a group's pace never holding a private chat, one write transaction per answer, the
outbox sent after a restart, and the fake Bot API's offsets as Telegram's."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.pipeline import parse_update
from bot.updates import topic_of
from conversations.events import Command, Event
from conversations.states import Position
from tests.bot.conftest import OPERATOR_ID, BotRun, running_bot
from tests.bot.fake_telegram import TOKEN, ApiError, FakeTelegram, FakeUser
from tests.bot.teams import team

pytestmark = pytest.mark.postgres_too  # the real bot on PostgreSQL too (tests/bot/conftest.py)

GROUP = -100300400


async def linked(bot: BotRun, operator: FakeUser) -> tuple[FakeUser, FakeUser, FakeUser]:
    lead, budi, citra = await team(bot, operator, ids=(101, 202, 303))
    bot.telegram.add_group(GROUP, "Tim SPBE", {lead.id: "administrator", budi.id: "member", citra.id: "member"})
    await lead.send("/hubungkan", chat_id=GROUP)
    return lead, budi, citra


@pytest.fixture
async def paced(tmp_path: Path) -> AsyncIterator[BotRun]:
    """The bot with Telegram's pace as shipped: PTB's rate limiter, 20 messages a minute in a group."""
    async with running_bot(tmp_path, rate_limit=True) as run:
        yield run


async def test_a_private_chat_is_answered_at_once_while_a_group_waits_for_its_pace(paced: BotRun) -> None:
    """26 questions in a group: about 20 go out at once, the others one every 3 s. The lead who asked
    them all asks for /bantuan in private chat meanwhile, and has it within a second."""
    telegram = paced.telegram
    lead, _, _ = await linked(paced, FakeUser(telegram, OPERATOR_ID, "Operator"))
    before_group, before_private = len(telegram.chat_messages(GROUP)), len(telegram.chat_messages(lead.id))
    lead.waits = False
    for number in range(1, 27):
        await lead.send(f"/tanya apa arti indikator {number}", chat_id=GROUP)
    await telegram.until(lambda: len(telegram.chat_messages(GROUP)) > before_group)  # the group is being answered
    loop = asyncio.get_running_loop()
    asked = loop.time()
    await lead.send("/bantuan")
    await telegram.until(lambda: len(telegram.chat_messages(lead.id)) > before_private, 5)
    took = loop.time() - asked
    answered = [int(re.match(r"Indikator (\d+)", m.text).group(1)) for m in telegram.chat_messages(GROUP)[before_group:]]
    assert took < 1.0, f"/bantuan took {took:.2f} s"
    assert len(answered) < 26, "the group's pace holds the rest back"
    assert answered == list(range(1, len(answered) + 1)), "a group's answers keep the order of its questions"
    assert "/mulai" in telegram.last(lead.id).text  # it is the help


async def test_one_users_updates_wait_for_each_other_and_other_users_do_not(bot: BotRun, operator: FakeUser,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _, budi, citra = await team(bot, operator, ids=(101, 202, 303))
    held = asyncio.Event()
    handle = bot.engine.handle

    async def slow(event: Event, **options: object):
        if event.user.id == budi.id and isinstance(event, Command) and event.name == "bantuan":
            await held.wait()  # as if this update took long (a slow network)
        return await handle(event, **options)

    monkeypatch.setattr(bot.engine, "handle", slow)
    budi.waits = citra.waits = False
    before = len(bot.telegram.chat_messages(budi.id))
    try:
        await budi.send("/bantuan")
        await budi.send("/tanya apa arti level 3 indikator 12")
        await citra.send("/tanya apa arti level 3 indikator 12")
        await bot.telegram.until(lambda: "Indikator 12" in citra.last().text)  # another user: not held
        assert len(bot.telegram.chat_messages(budi.id)) == before  # Budi's question waits behind his /bantuan
    finally:
        held.set()
    await bot.telegram.until(lambda: len(bot.telegram.chat_messages(budi.id)) == before + 2)
    first, second = bot.telegram.chat_messages(budi.id)[before:]
    assert "/mulai" in first.text and "Indikator 12" in second.text  # in the order he sent them


async def test_one_write_transaction_per_answer(bot: BotRun, operator: FakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer, the card's id and what is sent for it are one transaction; a question none; a
    card sent as a new message has its id kept with the officer's next answer."""
    _, budi, _ = await linked(bot, operator)
    await budi.send("/mulai")
    card = budi.last()
    transactions = []
    transaction = bot.engine.db.transaction

    def counting():  # the database's own context manager, counted
        transactions.append(1)
        return transaction()

    monkeypatch.setattr(bot.engine.db, "transaction", counting)
    for level in (3, 4, 2):
        await budi.press(budi.last(), str(level))
    assert len(transactions) == 3 and budi.last() is card  # the group's summary was refreshed too, without writing
    await budi.send("/bantuan")
    await budi.send("/tanya bobot domain layanan")
    assert len(transactions) == 3

    await budi.press(card, "Penjelasan")
    await budi.send("Fakta: Perbup 7/2024 pasal 2. Analisis: memenuhi kriteria level 2.")
    fresh = budi.last()
    assert fresh is not card and "Indikator 4/47" in fresh.text and card.buttons == []  # the old card lost its buttons
    assert len(transactions) == 5
    await budi.press(fresh, "3")
    assert len(transactions) == 6
    assert await card_of(bot, budi) == fresh.message_id  # kept with that answer

    await budi.send("/daftar")
    listing = budi.last()
    writes = len(transactions)
    await budi.press(listing, "5")  # the list's message becomes the card, kept in that press's transaction
    assert "Indikator 5/47" in listing.text and fresh.buttons == []
    assert len(transactions) == writes + 1 and await card_of(bot, budi) == listing.message_id


async def test_a_press_is_confirmed_at_its_commit_and_an_answer_a_crash_kept_back_is_delivered_at_start(
        bot: BotRun, operator: FakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    """A press whose answer only edits the card (and answers the press) is confirmed to Telegram
    once committed, while its card is still being edited; a new message waits for its delivery.
    When the process stops before the edit, the next start makes it, once (and the one after, if
    Telegram could not be reached)."""
    _, budi, _ = await team(bot, operator, ids=(101, 202, 303))
    await budi.send("/mulai")
    card = budi.last()
    telegram, transport = bot.telegram, bot.transport
    held = asyncio.Event()
    deliver = transport.deliver
    crashed: set[str] = set()  # the query ids whose part 0 "the process died" before delivering

    async def slow(document: dict, origin: object, application: object) -> None:
        await held.wait()  # the network is slow; or, for the crashed ones, this is where the process dies
        if document.get("query") in crashed:
            monkeypatch.setattr(bot.engine, "delivered", lambda update_id: None)  # ... nor marked delivered
            return
        await deliver(document, origin, application)  # type: ignore[arg-type]

    monkeypatch.setattr(transport, "deliver", slow)
    budi.waits = False
    try:
        await budi.send("/bantuan")  # a new message: not confirmed while it is not delivered
        polls = sum(method == "getUpdates" for method, _ in telegram.calls)
        await telegram.until(lambda: sum(method == "getUpdates" for method, _ in telegram.calls) >= polls + 3)
        assert telegram.confirmed < budi.last_update_id
        held.set()
        await telegram.processed(budi.last_update_id)

        held.clear()
        answered = len(telegram.callback_answers)
        crashed.add(await budi.press(card, "3"))
        press = budi.last_update_id
        await telegram.until(lambda: telegram.confirmed >= press)  # confirmed with its part 0 not yet delivered
        assert "Indikator 1/47" in card.text and len(telegram.callback_answers) == answered
    finally:
        held.set()
    await telegram.processed(press)
    monkeypatch.setattr(transport, "deliver", deliver)
    telegram.fail_next["editMessageText"] = ApiError(502, "Bad Gateway")
    await bot.restart()  # as after the crash, with Telegram out of reach for the edit: kept for the next start
    assert "Indikator 1/47" in card.text
    await bot.restart()  # the answer the outbox kept is delivered before polling starts
    assert "Indikator 2/47" in card.text
    assert [a["callback_query_id"] for a in telegram.callback_answers[answered:]] == list(crashed)
    edits = card.edits
    await bot.restart()  # marked delivered: not again
    assert card.edits == edits and len(telegram.callback_answers) == answered + 1
    budi.waits = True
    await budi.press(card, "2")
    assert "Indikator 3/47" in card.text and len(telegram.callback_answers) == answered + 2


async def card_of(bot: BotRun, user: FakeUser) -> int | None:
    position = Position.from_document(user.id, await bot.engine.db.read.positions.document(user.id))
    return position.card.message_id if position.card else None


async def test_a_group_message_not_sent_before_a_restart_is_sent_after_it_once(bot: BotRun, operator: FakeUser) -> None:
    lead, _, _ = await linked(bot, operator)
    before = len(bot.telegram.chat_messages(GROUP))
    bot.telegram.fail_next["sendMessage"] = ApiError(502, "Bad Gateway")  # the network fails: the outbox keeps it
    await lead.send("/tanya apa arti indikator 7", chat_id=GROUP)
    assert len(bot.telegram.chat_messages(GROUP)) == before
    await bot.restart()
    await bot.telegram.until(lambda: len(bot.telegram.chat_messages(GROUP)) == before + 1)
    await bot.transport.lanes.join()
    assert "Indikator 7" in bot.telegram.last(GROUP).text
    await bot.restart()  # marked sent: not again
    await lead.send("/bantuan", chat_id=GROUP)
    texts = [m.text for m in bot.telegram.chat_messages(GROUP)[before:]]
    assert len(texts) == 2 and "Indikator 7" in texts[0] and "Indikator 7" not in texts[1]


async def test_the_fake_bot_api_delivers_an_update_until_a_later_offset_confirms_it() -> None:
    telegram = FakeTelegram()
    await telegram.start()
    try:
        first = await telegram.push({"message": {"text": "a"}})
        second = await telegram.push({"message": {"text": "b"}})
        async with aiohttp.ClientSession() as session:

            async def updates(offset: int) -> list[int]:
                async with session.post(f"{telegram.base_url}{TOKEN}/getUpdates", data={"offset": str(offset)}) as response:
                    return [u["update_id"] for u in (await response.json())["result"]]

            assert await updates(0) == [first, second]
            assert await updates(0) == [first, second]  # fetched is not confirmed
            assert await updates(first + 1) == [second]
            assert await updates(0) == [second] and telegram.confirmed == first  # confirmed: forgotten
    finally:
        await telegram.stop()


def test_of_a_pressed_message_only_what_the_bot_reads_is_made_into_objects() -> None:
    """What the bot reads of a press stays (the data, the message's id, its chat and topic); the
    card's text, entities and keyboard, which nothing reads, are left out of PTB's objects."""
    keyboard = {"inline_keyboard": [[{"text": str(level), "callback_data": f"lv:1:1:{level}"} for level in range(1, 6)]]}
    card = {"message_id": 42, "date": 1, "chat": {"id": -1005, "type": "supergroup", "is_forum": True}, "text": "Indikator 1/47",
            "entities": [{"type": "bold", "offset": 0, "length": 9}], "reply_markup": keyboard, "message_thread_id": 9,
            "is_topic_message": True, "from": {"id": 777, "is_bot": True, "first_name": "SPBE"}}
    data = {"update_id": 7, "callback_query": {
        "id": "q1", "chat_instance": "c", "data": "lv:1:1:3", "from": {"id": 5, "is_bot": False, "first_name": "Budi"}, "message": card}}
    query = parse_update(data, None).callback_query
    assert query is not None and query.data == "lv:1:1:3" and query.from_user.id == 5
    message = query.message
    assert message is not None and message.message_id == 42 and message.chat.id == -1005
    assert topic_of(message) == 9
    assert (message.text, message.entities, message.reply_markup) == (None, (), None)  # type: ignore[union-attr]
    sent = {"update_id": 8, "message": {**card, "text": "/mulai"}}
    assert parse_update(sent, None).message.reply_markup is not None  # type: ignore[union-attr]  # only a press's message is cut
