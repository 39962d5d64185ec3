"""Evidence commands as their own processes, against the fake Bot API.

The real bot (``spbe-bot run``), killed with SIGKILL between downloading an evidence file and
committing its register row: the file is there, the row is not, never the reverse; after a restart
the file sent again is registered once, under the same stored file; a file that no row names is
swept by ``spbe-bot evidence gc`` once it is older than the grace period. And ``spbe-bot evidence
fetch`` downloading the files of items sent before the bot kept files.

The kill lands in that window deterministically: the test holds SQLite's write lock while the file
is sent, so the bot can download and store the file but cannot commit; the test waits until the
file is in the evidence folder, and kills the bot there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import open_database
from storage.files import sha256_of
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser
from tests.bot.test_start_failures import environment, spbe_bot

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
OFFICER = 501
FIRST = b"%PDF-1.7 Peraturan Bupati Nomor 12 Tahun 2023 tentang Peta Rencana SPBE" * 40
SECOND = b"%PDF-1.7 Notulen rapat reviu Peta Rencana SPBE" * 40
WAIT = 15.0  # seconds: an upper bound for a bot process to start or answer, never a wait for luck


async def prepare(path: Path) -> None:
    db = await open_database(path)
    async with db.transaction() as tx:
        institution = await tx.institutions.create(name="Pemerintah Kabupaten Contoh", kind="kabupaten")
        await tx.members.add(institution_id=institution.id, user_id=OFFICER, display_name="Wati", role="officer")
    await db.close()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (checked every 20 ms), failing after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class BotProcess:
    def __init__(self, telegram: FakeTelegram, folder: Path) -> None:
        self.telegram, self.folder = telegram, folder
        self.database = folder / "spbe.sqlite3"
        self.env = environment(SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL=telegram.base_url, SPBE_DATABASE_PATH=str(self.database),
                               SPBE_LOG_LEVEL="INFO", SPBE_CACHE_DIR="off")
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        polls = sum(m == "getUpdates" for m, _ in self.telegram.calls)
        with (self.folder / "bot.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=self.folder, env=self.env,
                                                                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        await until(lambda: sum(m == "getUpdates" for m, _ in self.telegram.calls) > polls, "the bot to poll")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        assert self.process.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def kept_file(folder: Path, content: bytes) -> Path:
    digest = sha256_of(content)
    return folder / "evidence" / digest[:2] / digest


def register_rows(database: Path) -> list[tuple[int, str | None]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT code, sha256 FROM evidence ORDER BY code").fetchall()


async def sent_while_the_commit_waits(bot: BotProcess, officer: FakeUser, name: str, content: bytes) -> None:
    """Send a document while the test holds the database's write lock, and kill the bot once the
    file is stored: between download and commit."""
    lock = sqlite3.connect(bot.database, isolation_level=None, timeout=WAIT)
    lock.execute("BEGIN IMMEDIATE")
    try:
        await officer.send_document(name, content=content)
        await until(kept_file(bot.folder, content).exists, f"{name} in the evidence folder")
        await bot.kill()
    finally:
        lock.execute("ROLLBACK")
        lock.close()


async def test_a_kill_between_download_and_commit_leaves_a_file_without_a_row_and_gc_sweeps_it(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    await prepare(tmp_path / "spbe.sqlite3")
    bot = BotProcess(telegram, tmp_path)
    officer = FakeUser(telegram, OFFICER, "Wati")
    officer.waits = False  # the bot is another process: wait for what it sends instead
    try:
        await bot.start()
        await officer.send("/loncat 12")
        await until(lambda: any("Indikator 12/47" in m.text for m in telegram.chat_messages(OFFICER)), "the card")

        await sent_while_the_commit_waits(bot, officer, "perbup.pdf", FIRST)
        assert kept_file(tmp_path, FIRST).read_bytes() == FIRST  # the whole file, under its hash
        assert register_rows(bot.database) == []  # and no row: never a row without its file

        await bot.start()
        replies = len(telegram.chat_messages(OFFICER))
        await officer.send_document("perbup.pdf", content=FIRST)  # no reply came: the officer sends it again
        await until(lambda: any("B-001" in m.text for m in telegram.chat_messages(OFFICER)[replies:]), "the file kept")
        assert register_rows(bot.database) == [(1, sha256_of(FIRST))]  # one item, on the file stored before the kill

        await sent_while_the_commit_waits(bot, officer, "notulen.pdf", SECOND)
        orphan = kept_file(tmp_path, SECOND)
        assert orphan.exists() and register_rows(bot.database) == [(1, sha256_of(FIRST))]

        checked = await spbe_bot(["evidence", "check"], tmp_path, bot.env)
        assert checked.code == 0 and "1 of 1 named by the register are there" in checked.out, checked
        young = await spbe_bot(["evidence", "gc"], tmp_path, bot.env)  # within the grace period: a row may be about to name it
        assert young.code == 0 and "deleted 0 file(s)" in young.out and "kept 1 file(s) named by no item yet" in young.out, young
        assert orphan.exists()
        old = (time.time() - 25 * 3600)
        os.utime(orphan, (old, old))  # a day later
        swept = await spbe_bot(["evidence", "gc"], tmp_path, bot.env)
        assert swept.code == 0 and f"deleted 1 file(s) no register item names ({len(SECOND)} bytes)" in swept.out, swept
        assert not orphan.exists() and kept_file(tmp_path, FIRST).exists()
        assert (await spbe_bot(["evidence", "check"], tmp_path, bot.env)).code == 0
    finally:
        await bot.stop()
        await telegram.stop()


async def test_files_sent_before_the_upgrade_are_fetched_with_the_bots_token(tmp_path: Path) -> None:
    """Items of the old register knew only Telegram's file id: ``spbe-bot evidence fetch`` downloads
    them (up to 20 MB) into the store, so they can be sent, exported and reviewed like the others."""
    telegram = FakeTelegram()
    await telegram.start()
    database = tmp_path / "spbe.sqlite3"
    officer = FakeUser(telegram, OFFICER, "Wati")
    officer._file("old-perbup", "u-old-perbup", FIRST, None)
    officer._file("old-scan", "u-old-scan", None, 30 * 1024 * 1024)
    db = await open_database(database)
    async with db.transaction() as tx:
        institution = await tx.institutions.create(name="Kota Lama", kind="kota")
        for file_id, size in (("old-perbup", len(FIRST)), ("old-scan", None), ("old-gone", 10)):
            await tx.evidence.add(institution_id=institution.id, file_id=file_id, file_unique_id=f"u-{file_id}", kind="document",
                                  uploaded_by=OFFICER, file_name=f"{file_id}.pdf", size=size)
    await db.close()
    env = environment(SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL=telegram.base_url, SPBE_DATABASE_PATH=str(database), SPBE_CACHE_DIR="off")
    try:
        done = await spbe_bot(["evidence", "fetch"], tmp_path, env)
    finally:
        await telegram.stop()
    assert done.code == 0, done
    assert "fetched 1 file(s) of items sent before the bot kept files: B-001" in done.out
    assert "B-002 (over 20 MB)" in done.out and "B-003 (Invalid file_id)" in done.out and TOKEN not in done.out + done.err
    assert register_rows(database) == [(1, sha256_of(FIRST)), (2, None), (3, None)]
    assert kept_file(tmp_path, FIRST).read_bytes() == FIRST
