"""The sweep of evidence files no row names (with its grace period), the evidence copied by
``spbe-bot backup`` (incremental, checked against the hashes), and ``spbe-bot evidence check``."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from storage import open_database
from storage.files import sha256_of
from storage.files.local import PARTIAL, LocalFileStore
from storage.files.upkeep import copy_files, sweep
from tests.storage.conftest import make_period

NOW = datetime.now(UTC)


def age(store: LocalFileStore, sha256: str, hours: float) -> None:
    moment = (NOW - timedelta(hours=hours)).timestamp()
    os.utime(store.path(sha256), (moment, moment))


async def test_the_sweep_deletes_only_old_files_no_row_names(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "evidence")
    named = await store.put(b"named by a row")
    orphan = await store.put(b"a crash before its row")
    young = await store.put(b"its row is being committed")
    for sha256 in (named.sha256, orphan.sha256):
        age(store, sha256, 48)
    (tmp_path / "evidence" / PARTIAL).mkdir(exist_ok=True)
    leftover = tmp_path / "evidence" / PARTIAL / "x.partial"
    leftover.write_bytes(b"half")
    os.utime(leftover, (NOW.timestamp() - 48 * 3600,) * 2)
    dry = await sweep(store, {named.sha256}, NOW - timedelta(hours=24), dry_run=True)
    assert [f.sha256 for f in dry.swept] == [orphan.sha256] and await store.exists(orphan.sha256) and leftover.exists()
    report = await sweep(store, {named.sha256}, NOW - timedelta(hours=24))
    assert (report.named, [f.sha256 for f in report.young], [f.sha256 for f in report.swept], report.partial) == (
        1, [young.sha256], [orphan.sha256], 1)
    assert sorted([f.sha256 async for f in store.files()]) == sorted([named.sha256, young.sha256])


async def test_a_file_put_again_while_the_sweep_runs_is_kept(tmp_path: Path) -> None:
    """Listed as old, then sent again (its row about to be committed): young again, so kept."""
    store = LocalFileStore(tmp_path / "evidence")
    stale = await store.put(b"sent again just now")
    age(store, stale.sha256, 48)
    modified = store.modified

    async def put_again_first(sha256: str) -> datetime | None:  # the bot puts it again after the listing, before the deletion
        await store.put(b"sent again just now")
        return await modified(sha256)

    store.modified = put_again_first  # type: ignore[method-assign]
    report = await sweep(store, set(), NOW - timedelta(hours=24))
    assert report.swept == [] and [f.sha256 for f in report.young] == [stale.sha256] and await store.exists(stale.sha256)


async def test_copying_checks_every_file_against_its_hash_and_skips_those_there(tmp_path: Path) -> None:
    source, target = LocalFileStore(tmp_path / "live"), LocalFileStore(tmp_path / "backup")
    good, bad = await source.put(b"perbup"), await source.put(b"notulen")
    source.path(bad.sha256).write_bytes(b"notulen, changed on disk")
    gone = sha256_of(b"never stored")
    report = await copy_files(source, target, [good.sha256, bad.sha256, gone])
    assert (report.copied, report.present, report.size, report.missing, report.damaged) == (1, 0, 6, [gone], [bad.sha256])
    again = await copy_files(source, target, [good.sha256])
    assert (again.copied, again.present) == (0, 1) and await target.get(good.sha256) == b"perbup"


def test_backup_copies_the_evidence_and_check_finds_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("SPBE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env from elsewhere
    database = tmp_path / "data" / "spbe.sqlite3"
    store = LocalFileStore(tmp_path / "data" / "evidence")  # the default: beside the database

    async def register() -> list[str]:
        db = await open_database(database)
        institution, period = await make_period(db)
        hashes = []
        async with db.transaction() as tx:
            for n, content in enumerate((b"%PDF perbup", b"%PDF notulen", b"\xff\xd8 foto")):
                stored = await store.put(content)
                hashes.append(stored.sha256)
                item = await tx.evidence.add(institution_id=institution, file_id=f"f{n}", file_unique_id=f"u{n}", kind="document",
                                             uploaded_by=7, sha256=stored.sha256, size=stored.size)
                await tx.evidence.link(item.id, period, 12, by=7)
        await store.put(b"an orphan is not backed up")
        await db.close()
        return hashes

    hashes = asyncio.run(register())
    assert main(["evidence", "check", "--database", str(database)]) == 0
    assert "3 of 3 named by the register are there" in capsys.readouterr().out
    copy = tmp_path / "backups" / "monday.sqlite3"
    assert main(["backup", str(copy), "--database", str(database)]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "backups" / "monday-evidence"
    assert f"evidence files in {folder}: 3 copied (30 bytes), 0 there already" in out
    assert sorted(p.name for p in folder.glob("??/*")) == sorted(hashes)
    assert main(["backup", str(copy), "--force", "--database", str(database), "--evidence-to", str(folder)]) == 0
    assert "0 copied (0 bytes), 3 there already" in capsys.readouterr().out

    store.path(hashes[1]).unlink()  # lost from the live store
    assert main(["evidence", "check", "--database", str(database)]) == 1
    assert f"1 file(s) named by the register are missing from folder {store.folder} ({hashes[1][:12]})" in capsys.readouterr().err
    assert main(["backup", str(tmp_path / "tuesday.sqlite3"), "--database", str(database)]) == 1
    assert "evidence file(s) the database names are missing from the store" in capsys.readouterr().err
