"""Speed of the knowledge layer: loading packs, scoring, answering questions.

Run: .venv/bin/python benchmarks/knowledge.py
Goals (issue 2): load + validate all packs < 300 ms; score 47 indicators < 0.2 ms;
answer one question < 5 ms (median over both labelled sets, every question typed for the first
time: the answerer's match cache is cleared before each one).
The cold start of the CLI is measured outside Python, e.g.
hyperfine -N -w 3 -r 30 '.venv/bin/spbe-bot ask "apa arti level 3 indikator 12"'.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.answering import Answerer, Library
from knowledge.caching import CACHE_ENV
from knowledge.packs import PackRegistry, _parse_pack
from knowledge.scoring import evaluate

TESTS = Path(__file__).resolve().parents[1] / "tests" / "knowledge"
LABELLED = [TESTS / "qa_labelled.yaml", TESTS / "qa_users.yaml"]


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    samples: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    def load_uncached() -> None:
        _parse_pack.cache_clear()  # measure reading and validating, not the in-process cache
        PackRegistry.load()

    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = "off"  # reading and validating the YAML files
    load = timed(load_uncached, 10)
    if previous is None:
        del os.environ[CACHE_ENV]
    else:
        os.environ[CACHE_ENV] = previous
    load_uncached()  # fills the cache folder
    cached = timed(load_uncached, 10)  # a later start: the validated packs read back from the cache folder
    registry = PackRegistry.load()
    pack = registry.get("spbe-2020")
    levels = {n: (n % 5) + 1 for n in range(1, 48)}
    score = timed(lambda: evaluate(pack, levels), 2000)

    cases = [case for file in LABELLED for case in yaml.safe_load(file.read_text(encoding="utf-8"))]
    library = Library(registry)
    build = timed(lambda: Answerer(pack), 5)
    per_question = []
    for case in cases:
        ask = functools.partial(library.answerer(case.get("fw", "spbe-2020")).ask, case["q"])

        def uncached(ask: Callable[[], object] = ask) -> None:
            Answerer._match.cache_clear()  # a question typed for the first time
            ask()

        per_question.append(statistics.median(timed(uncached, 5)))

    ms = 1000
    print(f"load + validate all packs ({len(registry.ids())}): median {statistics.median(load) * ms:.1f} ms (goal < 300 ms)")
    print(f"load all packs from the cache folder: median {statistics.median(cached) * ms:.1f} ms")
    print(f"score 47 indicators (spbe-2020):  median {statistics.median(score) * ms:.3f} ms (goal < 0.2 ms)")
    print(f"build the question index (once per pack): median {statistics.median(build) * ms:.1f} ms")
    print(
        f"answer one question ({len(cases)} labelled): median {statistics.median(per_question) * ms:.2f} ms, "
        f"p95 {sorted(per_question)[int(len(per_question) * 0.95)] * ms:.2f} ms (goal median < 5 ms)"
    )


if __name__ == "__main__":
    main()
