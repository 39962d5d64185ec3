"""What keeping evidence costs: an upload through the real bot, the store, the ZIP of a whole
register, and the evidence part of /progres.

Run: .venv/bin/python benchmarks/evidence.py
1. Uploads through the real bot and the fake Bot API on 127.0.0.1: an officer sends documents of
   100 KB, 1 MB and 20 MB (Telegram's limit for bots) with a card open; the time from sending to the
   reply (getFile, the download, SHA-256, the file written and flushed, the register row committed).
2. The local store alone: put of 20 MB (hash + fsync), and of the same file again (a refresh).
3. The ZIP of a register the size of the regional tracker in issue 12: 232 items of 300 KB of
   incompressible bytes named .pdf, each supporting one or two indicators: build time, ZIP size and
   peak memory, with a copy in every indicator's folder and with each file once; and as the bot
   sends it, in parts under 50,000,000 bytes made one at a time: how many, the largest, the time
   (every file read twice) and the peak memory (``zip`` as the argument runs this alone).
4. ``evidence_status`` (the gaps, reviews and the accepted-evidence index /progres and /ringkasan
   show) for 47 answers with 232 items linked and every checklist item of the claimed levels ticked.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.exports import DOCUMENT_LIMIT
from conversations.checklist import evidence_status
from knowledge.checklists import expected
from knowledge.packs import PackRegistry
from reports.evidence_zip import EvidenceItem, Support, build_evidence_zip, build_evidence_zip_parts
from storage import open_database
from storage.files.local import LocalFileStore
from tests.bot.conftest import OPERATOR_ID, running_bot
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import team
from tests.reports.test_evidence_zip import Words

MB = 1024 * 1024
PACK = PackRegistry.load().get("spbe-2020")


async def uploads() -> dict[str, float]:
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        async with running_bot(Path(directory)) as run:
            telegram = run.telegram
            _, officer = await team(run, FakeUser(telegram, OPERATOR_ID, "Operator"))
            await officer.send("/loncat 12")
            for size, label in ((100 * 1024, "100 KB"), (MB, "1 MB"), (20 * MB, "20 MB")):
                for n in range(3):
                    content = os.urandom(size)
                    started = time.perf_counter()
                    await officer.send_document(f"bukti-{label}-{n}.pdf", content=content, file_id=f"f-{label}-{n}",
                                                unique_id=f"u-{label}-{n}")
                    timings.setdefault(label, []).append((time.perf_counter() - started) * 1000)
                    assert "dicatat sebagai bukti dukung" in officer.last().text, officer.last().text
    return {f"upload {label} (median ms)": round(statistics.median(values), 1) for label, values in timings.items()}


async def store() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        files = LocalFileStore(Path(directory))
        data = os.urandom(20 * MB)
        started = time.perf_counter()
        await files.put(data)
        first = time.perf_counter() - started
        started = time.perf_counter()
        await files.put(data)
        again = time.perf_counter() - started
    return {"put 20 MB (ms)": round(first * 1000, 1), "put the same 20 MB again (ms)": round(again * 1000, 1)}


async def zip_of_a_register() -> dict[str, float]:
    sent = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    contents = {f"{n:064x}": os.urandom(300 * 1024) for n in range(232)}
    items = [EvidenceItem(f"B-{n + 1:03d}", f"Bukti {n + 1}", "document", "Wati", sent, sha, f"bukti-{n + 1}.pdf", len(data),
                          supports=tuple(Support(i, PACK.indicator(i).short_name) for i in {n % 47 + 1, (n * 7) % 47 + 1}))
             for n, (sha, data) in enumerate(contents.items())]

    async def read(sha256: str) -> bytes:
        return contents[sha256]

    report: dict[str, float] = {"zip: items": len(items), "zip: files, one per indicator": sum(len(i.supports) for i in items),
                                "zip: input MB": round(sum(map(len, contents.values())) / MB, 1)}
    for per_indicator in (True, False):
        tracemalloc.start()
        started = time.perf_counter()
        data = await build_evidence_zip(items, read, Words("id"), title="Register", per_indicator=per_indicator)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        layout = "per indicator" if per_indicator else "each file once"
        report.update({f"zip {layout}: size MB": round(len(data) / MB, 1), f"zip {layout}: build s": round(seconds, 2),
                       f"zip {layout}: peak memory MB beyond the input": round(peak / MB, 1)})
    del data
    tracemalloc.start()
    started = time.perf_counter()
    sizes = []
    async for part in build_evidence_zip_parts(items, read, Words("id"), title="Register", limit=DOCUMENT_LIMIT):
        sizes.append(len(part.data))
        del part  # dropped before the next is made, as the bot does once it is sent
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report.update({"zip in parts under 50,000,000 bytes: parts": len(sizes), "zip in parts: largest MB": round(max(sizes) / MB, 1),
                   "zip in parts: all made s": round(seconds, 2), "zip in parts: peak memory MB beyond the input": round(peak / MB, 1)})
    return report


async def status_of_a_period() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        db = await open_database(Path(directory) / "bench.sqlite3")
        async with db.transaction() as tx:
            institution = await tx.institutions.create(name="Kabupaten Contoh", kind="kabupaten")
            period = await tx.periods.create(institution_id=institution.id, year=2026, framework=PACK.id, level_min=1, level_max=5,
                                             indicator_count=47)
            for ind in PACK.indicators:
                await tx.answers.save(period_id=period.id, indicator=ind.number, level=3, explanation=None, by=1)
            for n in range(232):
                number = n % 47 + 1
                item = await tx.evidence.add(institution_id=institution.id, file_id=f"f{n}", file_unique_id=f"u{n}", kind="document",
                                             uploaded_by=1, sha256=f"{n:064x}", size=1)
                await tx.evidence.link(item.id, period.id, number, by=1, level=3)
                if n % 3 == 0:
                    await tx.evidence.review(item.id, period.id, number, "accepted", None, by=2)
                for e in expected(PACK.indicator(number), 3):
                    await tx.checklists.attach(period.id, number, e.level, e.item, item.id, attached=True, item_text=e.text, by=1)
        runs = []
        for _ in range(20):
            started = time.perf_counter()
            status = await evidence_status(db.read, PACK, period)
            runs.append((time.perf_counter() - started) * 1000)
        await db.close()
    return {"evidence_status of 47 answers, 232 items (median ms)": round(statistics.median(runs), 1),
            "accepted-evidence index": float(status.accepted.index.value) if status.accepted.index else 0.0}


async def main() -> None:
    if sys.argv[1:] == ["zip"]:
        print(json.dumps(await zip_of_a_register(), indent=2))
        return
    report = {**await uploads(), **await store(), **await zip_of_a_register(), **await status_of_a_period()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
