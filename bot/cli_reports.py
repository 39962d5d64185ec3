"""CLI commands for the deliverables: ``export``, ``demo`` and ``minutes-template``.

``export`` makes the same files as ``/ekspor`` in the chat, from the same snapshot and renderers,
for operators and for anyone trying the assistant without a token (``demo`` fills an institution
to export). A failure is one line on stderr and exit code 1 (2 for a malformed setting).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reports.jobs import FORMATS

if TYPE_CHECKING:
    from bot.config import ReportSettings


def register(commands: Any) -> None:
    export = commands.add_parser("export", help="make a deliverable of an institution's evaluation: workbook, PDF report, berita acara, "
                                                "CSV or portal texts")
    export.add_argument("--institution", type=int, required=True, metavar="ID", help="the institution's id (spbe-bot demo prints one)")
    export.add_argument("--year", type=int, required=True, help="the evaluation year")
    export.add_argument("--format", choices=FORMATS, required=True, help="pdf, xlsx, docx (berita acara), csv, portal (texts)")
    export.add_argument("--out", type=Path, required=True, metavar="PATH",
                        help="the file to write, or a folder (the file gets its usual name)")
    export.add_argument("--lang", choices=("id", "en"), default=None, help="language of the file (default: SPBE_DEFAULT_LANGUAGE)")
    export.add_argument("--template", type=Path, default=None, help="berita acara template (.docx; default: SPBE_MINUTES_TEMPLATE)")
    _database_option(export)
    export.set_defaults(handler=cmd_export)

    demo = commands.add_parser("demo", help="create a demo institution with a complete sample evaluation in each framework")
    _database_option(demo)
    demo.set_defaults(handler=cmd_demo)

    template = commands.add_parser("minutes-template", help="write the built-in berita acara template (.docx) to edit and use "
                                                            "as SPBE_MINUTES_TEMPLATE")
    template.add_argument("--out", type=Path, required=True, metavar="PATH")
    template.add_argument("--lang", choices=("id", "en"), default="id")
    template.set_defaults(handler=cmd_minutes_template)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", type=Path, default=None, help="SQLite file (default: SPBE_DATABASE_PATH, as `run`)")


def _fail(message: str, code: int = 1) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


def _settings(args: argparse.Namespace) -> ReportSettings:
    from bot.config import ReportSettings, load

    overrides: dict[str, object] = {}
    if args.database is not None:
        overrides["database_path"] = args.database
    return load(ReportSettings, **overrides)


def _run(args: argparse.Namespace, work: Callable[[ReportSettings], Coroutine[Any, Any, int]]) -> int:
    """Read the settings and run ``work``; a malformed setting or a storage error is one line."""
    from bot.config import ConfigError
    from storage.errors import StorageError

    try:
        settings = _settings(args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    import asyncio

    try:
        return asyncio.run(work(settings))
    except StorageError as exc:
        return _fail(str(exc))


def cmd_export(args: argparse.Namespace) -> int:
    return _run(args, lambda settings: _export(args, settings))


async def _export(args: argparse.Namespace, settings: ReportSettings) -> int:
    from datetime import UTC, datetime

    from bot.report_words import CatalogWords
    from conversations.exports import snapshot
    from knowledge.packs import PackError, PackRegistry
    from reports import jobs
    from reports.minutes import TemplateError
    from storage import open_database

    if not settings.database_path.exists():
        return _fail(f"no database at {settings.database_path} (spbe-bot demo creates one with a demo institution)")
    try:
        packs = PackRegistry.load(settings.packs)
    except PackError as exc:
        return _fail(f"SPBE_PACKS: {exc}", 2)
    db = await open_database(settings.database_path, upgrade=False)
    try:
        institution = await db.read.institutions.get(args.institution)
        if institution is None:
            known = ", ".join(f"{i.id} {i.name}" for i in await db.read.institutions.list()) or "none yet"
            return _fail(f"no institution {args.institution} (institutions: {known})")
        period = await db.read.periods.find(institution.id, args.year)
        if period is None:
            years = ", ".join(str(p.year) for p in await db.read.periods.list(institution.id)) or "none yet"
            return _fail(f"{institution.name} has no evaluation for {args.year} (years: {years})")
        if period.framework not in packs:
            return _fail(f"the {args.year} evaluation uses the pack {period.framework}, which is not loaded (SPBE_PACKS)")
        taken = await snapshot(db.read, packs, period, datetime.now(UTC), settings.timezone)
    finally:
        await db.close()
    words = CatalogWords(args.lang or settings.default_language)
    options = jobs.Options(minutes_template=args.template or settings.minutes_template)
    try:
        made = jobs.files(args.format, taken, words, options)
    except TemplateError as exc:
        return _fail(str(exc))
    for file in made:
        target = args.out / file.name if args.out.is_dir() else args.out
        try:
            target.write_bytes(file.data)
        except OSError as exc:
            return _fail(f"cannot write {target} ({exc.strerror or exc})")
        print(f"wrote {target} ({len(file.data):,} bytes)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    return _run(args, _demo)


async def _demo(settings: ReportSettings) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.demo import DEMO_NAME, create_demo
    from bot.formats import format_number
    from knowledge.packs import PackRegistry
    from knowledge.scoring import evaluate
    from storage import open_database

    packs = PackRegistry.load(settings.packs)
    db = await open_database(settings.database_path)
    try:
        institution_id, made = await create_demo(db, packs, datetime.now(ZoneInfo(settings.timezone)).date())
        periods = await db.read.periods.list(institution_id)
        lines = []
        for period in sorted(periods, key=lambda p: p.year):
            pack = packs.get(period.framework)
            score = evaluate(pack, await db.read.answers.levels(period.id)).projected
            lines.append(f"  {period.year}  {period.framework:<11} {pack.framework.index_name} {format_number(score.value)} "
                         f"{score.predicate.label} (simulation)")
    finally:
        await db.close()
    print(f"{'created' if made else 'already there'}: institution {institution_id}, {DEMO_NAME}, in {settings.database_path}")
    print("\n".join(lines))
    year = max(p.year for p in periods)
    print("every deliverable, e.g.:")
    for kind, name in (("pdf", "laporan.pdf"), ("xlsx", "lembar-kerja.xlsx"), ("docx", "berita-acara.docx"), ("csv", "jawaban.csv"),
                       ("portal", "teks-portal.txt")):
        print(f"  spbe-bot export --institution {institution_id} --year {year} --format {kind} --out {name}")
    return 0


def cmd_minutes_template(args: argparse.Namespace) -> int:
    from bot.report_words import CatalogWords
    from reports.minutes import default_template

    try:
        args.out.write_bytes(default_template(CatalogWords(args.lang)))
    except OSError as exc:
        return _fail(f"cannot write {args.out} ({exc.strerror or exc})")
    print(f"wrote {args.out}: edit it in a word processor, keep the {{{{ ... }}}} placeholders you need (docs/reports.md lists them), "
          "and set SPBE_MINUTES_TEMPLATE to it")
    return 0
