"""The database commands: spbe-bot db status, db upgrade, backup DEST."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from storage import open_database
from storage.sqlite import migrations
from tests.storage.conftest import make_period


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_and_upgrade(tmp_path: Path, capsys) -> None:
    path = tmp_path / "data" / "spbe.sqlite3"
    newest = migrations.available()[-1].version
    code, out, _ = run(capsys, "db", "status", "--database", str(path))
    assert code == 0 and "does not exist yet" in out and "0001_initial.sql" in out
    code, out, _ = run(capsys, "db", "upgrade", "--database", str(path))
    assert code == 0 and "applied 0001_initial.sql" in out and f"schema version {newest}" in out
    code, out, _ = run(capsys, "db", "upgrade", "--database", str(path))
    assert code == 0 and "already up to date" in out
    code, out, _ = run(capsys, "db", "status", "--database", str(path))
    assert code == 0 and f"schema version: {newest}; newest available: {newest}" in out and "pending: none" in out

    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {newest + 1}")
    refused = f"spbe-bot: database {path}: schema version {newest + 1} is newer than this program supports ({newest}): upgrade spbe-bot\n"
    for command in ("status", "upgrade"):
        assert run(capsys, "db", command, "--database", str(path)) == (1, "", refused)


def test_backup_copies_everything_and_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    path, copy = tmp_path / "spbe.sqlite3", tmp_path / "copy.sqlite3"

    async def answer_ten() -> int:
        db = await open_database(path)
        _, period = await make_period(db)
        async with db.transaction() as tx:
            for number in range(1, 11):
                await tx.answers.save(period_id=period, indicator=number, level=number % 5 + 1, explanation=f"fakta {number}", by=7)
        await db.close()
        return period

    async def restored(period: int) -> dict[int, str | None]:
        db = await open_database(copy)
        try:
            return {a.indicator: a.explanation for a in await db.read.answers.list(period)}
        finally:
            await db.close()

    period = asyncio.run(answer_ten())
    code, out, _ = run(capsys, "backup", str(copy), "--database", str(path))
    assert code == 0 and "integrity: ok" in out and "answers 10" in out and "answer_history 10" in out
    assert asyncio.run(restored(period)) == {n: f"fakta {n}" for n in range(1, 11)}
    code, _, err = run(capsys, "backup", str(copy), "--database", str(path))
    assert code == 1 and "use --force" in err
    code, out, _ = run(capsys, "backup", str(copy), "--force", "--database", str(path))
    assert code == 0
    code, _, err = run(capsys, "backup", str(tmp_path / "x.sqlite3"), "--database", str(tmp_path / "none.sqlite3"))
    assert code == 1 and "no database at" in err


def test_the_database_commands_read_dot_env_as_run_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Without --database, `db status`, `db upgrade` and `backup` use SPBE_DATABASE_PATH from .env;
    a malformed setting the database does not need (here the token) does not stop them."""
    for name in ("SPBE_DATABASE_PATH", "SPBE_BOT_TOKEN", "SPBE_PACKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SPBE_DATABASE_PATH=kept/here.sqlite3\nSPBE_BOT_TOKEN=not-a-token\n", encoding="utf-8")
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and out.endswith(f"kept/here.sqlite3: schema version {migrations.available()[-1].version}\n")
    code, out, _ = run(capsys, "db", "status")
    assert code == 0 and out.startswith("database: kept/here.sqlite3 (integrity: ok)")
    code, out, _ = run(capsys, "backup", "copy.sqlite3")
    assert code == 0 and "integrity: ok" in out and (tmp_path / "copy.sqlite3").exists()
    assert not (tmp_path / "data").exists()  # the default path was never used

    (tmp_path / ".env").write_text("SPBE_DATABASE_PATH=\n", encoding="utf-8")  # a setting the commands need, malformed
    code, _, err = run(capsys, "db", "status")
    assert code == 2 and err.startswith("spbe-bot: configuration error: SPBE_DATABASE_PATH")


def test_spbe_packs_means_the_same_to_every_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """SPBE_PACKS is read in one place (bot/config.py), from the environment or .env, by the bot and
    the knowledge commands alike."""
    from bot.config import load_settings
    from knowledge.packs import BUILTIN_DIR

    pack = tmp_path / "packs" / "copy.yaml"
    pack.parent.mkdir()
    pack.write_text((BUILTIN_DIR / "spbe-2018.yaml").read_text(encoding="utf-8").replace('id: "spbe-2018"', 'id: "spbe-2018-copy"', 1),
                    encoding="utf-8")
    monkeypatch.delenv("SPBE_PACKS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"SPBE_PACKS={pack}\n", encoding="utf-8")
    assert load_settings().packs == (pack,)
    code, out, _ = run(capsys, "frameworks")
    assert code == 0 and "spbe-2018-copy" in out
    monkeypatch.setenv("SPBE_PACKS", f"{tmp_path / 'missing.yaml'}")  # the environment wins over .env
    code, _, err = run(capsys, "frameworks")
    assert code == 1 and "missing.yaml" in err


def test_status_and_upgrade_on_postgresql(empty_postgres, capsys) -> None:
    """The same commands on a PostgreSQL URL: its own migrations, the URL shown without its password."""
    from storage.postgres.migrations import postgres_migrations

    url, newest = empty_postgres.url, postgres_migrations()[-1].version
    password = url.split(":")[2].split("@")[0]
    code, out, _ = run(capsys, "db", "upgrade", "--database", url)
    assert code == 0 and "applied 0001_initial.sql" in out and f"schema version {newest}" in out
    code, out, _ = run(capsys, "db", "upgrade", "--database", url)
    assert code == 0 and "already up to date" in out
    code, out, _ = run(capsys, "db", "status", "--database", url)
    assert code == 0 and out.startswith("database: postgresql://") and "(PostgreSQL, reachable)" in out
    assert f"schema version: {newest}; newest available: {newest}" in out and "pending: none" in out
    assert password not in out
    code, _, err = run(capsys, "backup", "copy.dump", "--database", url)
    assert code == 1 and "pg_dump --format=custom" in err and password not in err


def test_a_database_url_that_is_not_postgresql_is_a_setting_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name in ("SPBE_DATABASE_PATH", "SPBE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SPBE_DATABASE_URL=mysql://spbe:pw@db/spbe\n", encoding="utf-8")
    code, _, err = run(capsys, "db", "status")
    assert code == 2 and err == ("spbe-bot: configuration error: SPBE_DATABASE_URL: must be a PostgreSQL URL, "
                                 "postgresql://user:password@host:5432/name (for an SQLite file, set SPBE_DATABASE_PATH instead)\n")
    (tmp_path / ".env").write_text("SPBE_DATABASE_URL=\n", encoding="utf-8")  # empty: the SQLite file, as without it
    code, out, _ = run(capsys, "db", "status")
    assert code == 0 and out.startswith("database: data/spbe.sqlite3 (does not exist yet")
