"""What the deliverables cost, and that the answer path does not pay for them.

Run: .venv/bin/python benchmarks/reports.py [--runs N] [--tree PATH]

1. The full 47-indicator PDF with its charts (the demo institution's spbe-2020 evaluation) and the
   workbook: in a fresh process (imports, font and chart set-up included: the first file after a
   start), in a fresh process after ``reports.jobs.prepare`` (as the bot does while the /ekspor
   menu is shown), and again in the same process (every later file); medians of N runs.
2. The answer path, in fresh processes: import the bot, open the engine, and handle /mulai, one
   answer, /ringkasan and the /ekspor menu (``tests/reports/answer_path.py``); the wall time, the
   peak memory (max RSS) and whether matplotlib, fpdf2, XlsxWriter or docxtpl were loaded.
   ``--tree PATH`` runs the same script on another checkout (e.g. ``git archive main | tar -x -C
   /tmp/main``) with this environment, for the figures before (there /ekspor is an unknown command,
   answered with the help).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reports.answer_path import ANSWER_PATH, PRINT_HEAVY  # noqa: E402

FILES = """
import asyncio, json, sys, time
from datetime import UTC, date, datetime
from pathlib import Path
started = time.perf_counter()
from bot.demo import create_demo
from bot.report_words import CatalogWords
from conversations.exports import snapshot
from knowledge.packs import PackRegistry
from reports import jobs
from storage import open_database

async def take(folder):
    db = await open_database(Path(folder) / "demo.sqlite3")
    packs = PackRegistry.load()
    institution, _ = await create_demo(db, packs, date(2026, 12, 1))
    period = await db.read.periods.find(institution, 2025)
    taken = await snapshot(db.read, packs, period, datetime(2026, 12, 1, 3, tzinfo=UTC), "Asia/Jakarta")
    await db.close()
    return taken

taken = asyncio.run(take(sys.argv[1]))
words = CatalogWords("id")
kind, runs = sys.argv[2], int(sys.argv[3])
if sys.argv[4] == "prepared":  # as the bot does while the /ekspor menu is shown
    jobs.prepare()
times = []
for _ in range(runs + 1):
    t = time.perf_counter()
    (made,) = jobs.files(kind, taken, words)
    times.append(time.perf_counter() - t)
print(json.dumps({"first": times[0], "later": times[1:], "bytes": len(made.data), "indicators": len(taken.pack.indicators)}))
"""

def child(script: str, tree: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPBE_")}
    env["PYTHONPATH"] = str(tree)
    env["SPBE_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "spbe-bench-cache")  # warm, and the same for both trees
    done = subprocess.run([sys.executable, "-c", script, *args], env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, default=None, help="also measure the answer path of this checkout (the figures before)")
    args = parser.parse_args()

    for kind, goal in (("pdf", 2.0), ("xlsx", 0.3)):
        firsts, prepared, later = [], [], []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as folder:
                result = child(FILES, ROOT, folder, kind, str(args.runs), "cold")
                firsts.append(result["first"])
                later += result["later"]
                prepared.append(child(FILES, ROOT, folder, kind, "0", "prepared")["first"])
        print(f"{kind}: {result['indicators']} indicators, {result['bytes']:,} bytes; goal < {ms(goal)}")
        print(f"  the first in a fresh process (imports included): {ms(statistics.median(firsts))} (min {ms(min(firsts))}, "
              f"max {ms(max(firsts))})")
        print(f"  the first after the /ekspor menu loaded the renderers: {ms(statistics.median(prepared))} (min {ms(min(prepared))}, "
              f"max {ms(max(prepared))})")
        print(f"  every later one: {ms(statistics.median(later))} (min {ms(min(later))}, max {ms(max(later))})")

    trees = [("this tree", ROOT)] + ([("--tree", args.tree)] if args.tree else [])
    for label, tree in trees:
        samples = [child(ANSWER_PATH + PRINT_HEAVY, tree) for _ in range(args.runs)]
        heavy = sorted({m for s in samples for m in s["heavy"]})
        print(f"answer path, {label} ({tree}): start + /mulai + an answer + /ringkasan + /ekspor "
              f"{ms(statistics.median(s['seconds'] for s in samples))} "
              f"(min {ms(min(s['seconds'] for s in samples))}); peak memory {statistics.median(s['rss_mib'] for s in samples):.1f} MiB; "
              f"renderer libraries loaded: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
