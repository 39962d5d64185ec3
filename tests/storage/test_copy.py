"""spbe-bot db copy: every record of an SQLite file into an empty PostgreSQL database, ids kept and
the sequences past them, read back through the repositories on both sides."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from storage import open_database, open_storage
from storage.copy import TABLES, copy_sqlite_to_postgres
from storage.errors import StorageError
from storage.repositories import Session, Storage
from storage.sqlite import migrations as sqlite_migrations
from storage.sqlite.database import connect
from tests.backends import PostgresBackend
from tests.storage.conftest import Clock

BOT = 777000111
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


async def fill(db: Storage, clock: Clock) -> None:
    """A row in every table: two institutions, members and invitations, periods with stages, answers
    with their history (locked, reopened, fractional), evidence and its links, a group with reminders,
    assignments, a pending pick list, positions, the update claims of a bot and its outbox."""
    async with db.transaction() as tx:
        kota = await tx.institutions.create(name="Pemerintah Kota Contoh", kind="kota", region="Bali")
        kemen = await tx.institutions.create(name="Kementerian Contoh", kind="kementerian")
        await tx.members.add(institution_id=kota.id, user_id=10, display_name="Sari", role="koordinator", username="sari_k")
        await tx.members.add(institution_id=kota.id, user_id=7_123_456_789, display_name="Ayu", role="officer")
        await tx.members.add(institution_id=kemen.id, user_id=12, display_name="Made", role="officer", language="en")
        await tx.members.remove(kemen.id, 12)
        await tx.invitations.create(institution_id=kota.id, role="officer", created_by=10, expires_at=NOW + timedelta(days=7), max_uses=3)
        period = await tx.periods.create(institution_id=kota.id, year=2026, framework="spbe-2020", level_min=1, level_max=5,
                                         indicator_count=47, require_explanation=True)
        pemdi = await tx.periods.create(institution_id=kemen.id, year=2026, framework="pemdi-2026", level_min=1, level_max=5,
                                        indicator_count=20, fractional=True)
        await tx.periods.set_stage(period.id, "penilaian_mandiri", date(2026, 11, 1), date(2026, 12, 15))
        for number in range(1, 11):
            await tx.answers.save(period_id=period.id, indicator=number, level=number % 5 + 1, explanation=f"Fakta {number}\tAnalisis\n",
                                  by=7_123_456_789)
        await tx.answers.save(period_id=pemdi.id, indicator=3, level="1.26", explanation=None, by=12)
        await tx.answers.lock(period.id, [1, 2], by=10)
        await tx.answers.reopen(period.id, 2, by=10, reason="bukti baru")
        evidence = await tx.evidence.add(institution_id=kota.id, file_id="f1", file_unique_id="u1", kind="document", uploaded_by=7,
                                         file_name="perbup.pdf", size=123_456, caption="Perbup 12/2024", sha256="ab" * 32,
                                         mime="application/pdf", doc_number="12", doc_year=2024, doc_date=date(2024, 3, 1))
        corrected = await tx.evidence.add(institution_id=kota.id, file_id="f2", file_unique_id="u2", kind="photo", uploaded_by=7)
        await tx.evidence.link(evidence.id, period.id, 1, by=7, level=3)
        await tx.evidence.link(evidence.id, period.id, 4, by=7)
        await tx.evidence.link(corrected.id, period.id, 1, by=7, level=3)
        await tx.evidence.review(evidence.id, period.id, 1, "revision", "halaman 2 tidak terbaca", by=10)
        await tx.evidence.replace(evidence.id, period.id, 1, corrected.id, by=7)
        await tx.evidence.review(evidence.id, period.id, 4, "accepted", None, by=10)
        await tx.checklists.tick(period.id, 1, 3, 0, status="missing", item_text="SK tim", by=7)
        await tx.checklists.attach(period.id, 1, 3, 1, corrected.id, attached=True, item_text="Notulen", by=10, by_lead=True)
        await tx.groups.link(chat_id=-1_001_234_567_890, institution_id=kota.id, title="Tim SPBE", linked_by=10)
        await tx.groups.set_summary_message(-1_001_234_567_890, 99)
        schedule = await tx.reminders.add(kind="group_digest", institution_id=kota.id, chat_id=-1_001_234_567_890, hour=8)
        await tx.reminders.mark_sent(schedule.id, NOW)
        await tx.reminders.add(kind="nudges", institution_id=kota.id, hour=9, minute=30)
        await tx.assignments.assign(period_id=period.id, indicators=[1, 2, 3], user_id=7_123_456_789, assigned_by=10,
                                    due_on=date(2026, 12, 1))
        await tx.assignments.add_pending(period_id=period.id, indicators=[5, 4], due_on=None, created_by=10)
        await tx.positions.save(7_123_456_789, '{"user_id": 7123456789, "indicator": 11}')
        await tx.plans.set_target(period_id=period.id, kind="predicate", value=Decimal("3.5"), predicate="Sangat Baik", year=2027, by=10)
        await tx.plans.set_item(period_id=period.id, indicator=5, from_level=Decimal(1), to_level=Decimal(3), by=10)
        await tx.plans.set_owner(period.id, 5, 7_123_456_789, by=10)
        await tx.plans.set_due(period.id, 5, date(2027, 3, 31), by=10)
        for update in range(500, 510):
            assert await tx.updates.claim(update, bot_id=BOT, key=f"m:7:{update}")
        await tx.outbox.put(509, [(7_123_456_789, '{"query": "q9"}'), (-1_001_234_567_890, '{"messages": ["ringkasan"]}')], bot_id=BOT)


async def everything(session: Session) -> dict[str, Any]:
    """What the repositories read back, for comparing the two sides."""
    institutions = await session.institutions.list()
    periods = [p for i in institutions for p in await session.periods.list(i.id)]
    return {
        "institutions": institutions,
        "members": [await session.members.list(i.id, active_only=False) for i in institutions],
        "periods": periods,
        "answers": [await session.answers.list(p.id) for p in periods],
        "history": [await session.answers.history(p.id) for p in periods],
        "progress": await session.answers.progress(),
        "evidence": [await session.evidence.register(i.id) for i in institutions],
        "links": [await session.evidence.links(p.id) for p in periods],
        "reviews": [await session.evidence.reviews(p.id) for p in periods],
        "checklists": [await session.checklists.for_period(p.id) for p in periods],
        "groups": [await session.groups.for_institution(i.id) for i in institutions],
        "reminders": await session.reminders.list(enabled_only=False),
        "assignments": [await session.assignments.for_period(p.id) for p in periods],
        "position": await session.positions.document(7_123_456_789),
        "plans": [(await session.plans.target(p.id), await session.plans.items(p.id)) for p in periods],
        "outbox": (await session.outbox.parts(509, bot_id=BOT), await session.outbox.unsent(bot_id=BOT)),
    }


@pytest.fixture
async def source(tmp_path: Path) -> Path:
    path = tmp_path / "spbe.sqlite3"
    clock = Clock(NOW)
    db = await open_database(path, clock=clock)
    try:
        await fill(db, clock)
    finally:
        await db.close()
    return path


async def test_every_record_is_copied_and_reads_back_the_same(source: Path, empty_postgres: PostgresBackend) -> None:
    report = await copy_sqlite_to_postgres(source, empty_postgres.url)
    assert set(report.counts) == set(TABLES) and all(report.counts[t] > 0 for t in TABLES), report.counts
    clock = Clock(NOW + timedelta(hours=1))
    sqlite_db, postgres_db = await open_database(source, clock=clock), await open_storage(empty_postgres.url, clock=clock)
    try:
        assert await everything(postgres_db.read) == await everything(sqlite_db.read)
        code = _code(source)
        assert await postgres_db.read.invitations.get(code) == await sqlite_db.read.invitations.get(code) is not None
        async with postgres_db.transaction() as tx:
            # the updates claimed before the copy are still repeats; a new one is new
            assert not await tx.updates.claim(505, bot_id=BOT, key="m:7:505")
            assert await tx.updates.claim(510, bot_id=BOT, key="m:7:510")
            # the id sequences are past the copied ids: new records get new ids
            institution = await tx.institutions.create(name="Kabupaten Baru", kind="kabupaten")
            period = await tx.periods.create(institution_id=institution.id, year=2026, framework="spbe-2020", level_min=1, level_max=5,
                                             indicator_count=47)
            await tx.answers.save(period_id=period.id, indicator=1, level=2, explanation=None, by=5)
            evidence = await tx.evidence.add(institution_id=institution.id, file_id="f9", file_unique_id="u9", kind="photo", uploaded_by=5)
            assert (await tx.evidence.add(institution_id=1, file_id="f3", file_unique_id="u3", kind="photo", uploaded_by=5)).code == 3
            pending = await tx.assignments.add_pending(period_id=period.id, indicators=[1], due_on=None, created_by=5)
            schedule = await tx.reminders.add(kind="nudges", institution_id=institution.id, hour=7)
        history = await postgres_db.read.answers.history(period.id)
        assert (institution.id, period.id, evidence.id, pending.id, schedule.id) == (3, 3, 3, 2, 3)
        assert history[0].id == report.counts["answer_history"] + 1
    finally:
        await sqlite_db.close()
        await postgres_db.close()


def _code(path: Path) -> str:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT code FROM invitations").fetchone()[0])


async def test_claims_recorded_before_bot_ids_are_adopted_after_the_copy(tmp_path: Path, empty_postgres: PostgresBackend) -> None:
    """A file last written before migration 0004 and upgraded, whose claims have bot id 0: copied,
    the first bot to claim on PostgreSQL adopts them, so a redelivery right after the move is a repeat."""
    path = tmp_path / "old.sqlite3"
    conn = await connect(path)
    try:
        await sqlite_migrations.upgrade(conn, target=3)
        await conn.execute("INSERT INTO processed_updates (update_id, processed_at) VALUES (900, ?)", (NOW.isoformat(),))
    finally:
        await conn.close()
    await (await open_database(path)).close()  # upgraded to the newest schema, as the bot's start does
    await copy_sqlite_to_postgres(path, empty_postgres.url)
    db = await open_storage(empty_postgres.url, clock=Clock(NOW + timedelta(minutes=5)))
    try:
        async with db.transaction() as tx:
            assert await tx.updates.claim(900, bot_id=BOT) is False
            assert await tx.updates.claim(901, bot_id=BOT) is True
    finally:
        await db.close()


async def test_a_target_that_holds_records_is_refused_and_left_as_it_was(source: Path, postgres: PostgresBackend) -> None:
    db = await open_storage(postgres.url)
    try:
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kota Lama", kind="kota")
    finally:
        await db.close()
    with pytest.raises(StorageError, match=r"already holds records \(institutions is not empty\): copy into a new, empty database"):
        await copy_sqlite_to_postgres(source, postgres.url)
    assert postgres.committed("SELECT name FROM institutions") == [("Kota Lama",)]
    assert postgres.committed("SELECT COUNT(*) FROM answers") == [(0,)]


async def test_a_source_at_an_older_schema_is_refused_unchanged(tmp_path: Path, empty_postgres: PostgresBackend) -> None:
    path = tmp_path / "old.sqlite3"
    conn = await connect(path)
    try:
        await sqlite_migrations.upgrade(conn, target=2)
    finally:
        await conn.close()
    newest = sqlite_migrations.available()[-1].version
    with pytest.raises(StorageError) as refused:
        await copy_sqlite_to_postgres(path, empty_postgres.url)
    assert str(refused.value) == (f"database {path} has schema version 2, this program's is {newest}: "
                                  f"upgrade it first (spbe-bot db upgrade --database {path})")
    conn = await connect(path, read_only=True)
    try:
        assert await sqlite_migrations.current_version(conn) == 2
    finally:
        await conn.close()


def test_the_command_copies_from_the_settings_and_says_what_it_did(
    source: Path, empty_postgres: PostgresBackend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --from and --to, db copy reads SPBE_DATABASE_PATH and writes SPBE_DATABASE_URL (the
    password never printed); a second copy into the same database is refused."""
    monkeypatch.setenv("SPBE_DATABASE_PATH", str(source))
    monkeypatch.setenv("SPBE_DATABASE_URL", empty_postgres.url)
    password = empty_postgres.url.split(":")[2].split("@")[0]
    assert main(["db", "copy"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"copied {sum(asyncio.run(_counts(source)).values())} records from {source} to postgresql://")
    assert "answers 11" in out and "answer_history 14" in out and password not in out + err
    assert main(["db", "copy"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("spbe-bot: database postgresql://") and "already holds records" in err and password not in err
    monkeypatch.delenv("SPBE_DATABASE_URL")
    assert main(["db", "copy", "--from", str(source)]) == 2
    assert "name the PostgreSQL database with --to" in capsys.readouterr().err


async def _counts(path: Path) -> dict[str, int]:
    conn = await connect(path, read_only=True)
    try:
        counts = {}
        for table in TABLES:
            async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
                row = await cursor.fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts
    finally:
        await conn.close()
