"""A full disk: a StorageFull error (no raw sqlite3 error), nothing committed is lost, nothing of the
failed transaction is kept, and everything works again once space is freed."""

from __future__ import annotations

from storage.backends import OpenedStorage
from storage.errors import StorageError, StorageFull
from tests.backends import Backend
from tests.storage.conftest import make_period

TEXT = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024. Analisis: " + "lengkap " * 230  # ~1,900 characters


async def save(db: OpenedStorage, period: int, indicator: int, update_id: int) -> None:
    """One user action as the engine does it: the update claim, the answer, the position."""
    async with db.transaction() as tx:
        assert await tx.updates.claim(update_id, bot_id=5)
        await tx.answers.save(period_id=period, indicator=indicator, level=indicator % 5 + 1, explanation=f"{indicator} {TEXT}", by=7)
        await tx.positions.save(7, f'{{"indicator": {indicator}}}')


async def test_a_full_disk_keeps_what_was_committed_and_recovers(db: OpenedStorage, backend: Backend) -> None:
    _, period = await make_period(db)
    await backend.fill_the_disk(db)
    committed: list[int] = []
    refused: StorageFull | None = None
    for indicator in range(1, 48):
        try:
            await save(db, period, indicator, update_id=1000 + indicator)
        except StorageFull as exc:
            refused = exc
            break
        committed.append(indicator)
    assert refused is not None, "the disk never filled up"
    assert isinstance(refused, StorageError) and backend.is_disk_full(refused.__cause__)
    assert "nothing of this change was saved" in str(refused)
    failed = len(committed) + 1

    for _ in range(3):  # while the disk is full, the same action keeps failing the same way and changes nothing
        try:
            await save(db, period, failed, update_id=1000 + failed)
        except StorageFull:
            pass
        else:
            raise AssertionError("a write succeeded on a full disk")
    assert set(await db.read.answers.levels(period)) == set(committed)
    assert len(await db.read.answers.history(period)) == len(committed)
    assert await db.read.positions.document(7) == (f'{{"indicator": {committed[-1]}}}' if committed else None)

    await backend.free_the_disk(db)
    await save(db, period, failed, update_id=1000 + failed)  # its claim was rolled back with it: not a repeat
    async with db.transaction() as tx:
        assert not await tx.updates.claim(1000 + failed, bot_id=5)
    assert set(await db.read.answers.levels(period)) == {*committed, failed}
    assert backend.integrity_ok()
    assert backend.committed("SELECT COUNT(*) FROM answer_history") == [(len(committed) + 1,)]
