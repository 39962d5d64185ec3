"""A mutation sample: one-line changes a careless edit could make; each must make a test fail.

Run: .venv/bin/python -m tests.mutants [NAME ...]
Each mutant is applied to a copy of the working tree in a temporary folder (the tree itself is
never touched) and the tests named for it run there, with that copy first on the import path.
A mutant whose tests still pass "survived": a gap in the suite. The run prints one line per mutant
and exits 1 when any survived. See docs/testing.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant("rounding half-even in scoring", "knowledge/scoring.py",
           "return value.quantize(CENT, rounding=ROUND_HALF_UP)", "return value.quantize(CENT, rounding=ROUND_HALF_EVEN)",
           ("tests/knowledge",)),
    Mutant("rounding half-even in displayed numbers", "bot/formats.py",
           "quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)", "quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)",
           ("tests/bot/test_formats.py",)),
    Mutant("a removed member accepted", "conversations/access.py",
           "    if member is None or not member.active:\n        raise Refusal(\"not_member\")",
           "    if member is None:\n        raise Refusal(\"not_member\")",
           ("tests/conversations",)),
    Mutant("the /tugaskan pick without the lead check", "conversations/assignments.py",
           "    period = await turn.tx.periods.require(pending.period_id)\n    await access.lead_of(turn, period.institution_id)",
           "    period = await turn.tx.periods.require(pending.period_id)\n    await access.membership(turn, period.institution_id)",
           ("tests/conversations",)),
    Mutant("a failed COMMIT not raised", "storage/sqlite/database.py",
           '                    raise translate(exc, "commit failed") from exc', "                    pass",
           ("tests/storage",)),
    Mutant("a damaged database file opened without the quick check", "storage/sqlite/database.py",
           "        if check:\n            await quick_check(writer, path)",
           "        if False:\n            await quick_check(writer, path)",
           ("tests/storage",)),
    Mutant("an update id claimed more than a day ago taken for a repeat", "storage/rules.py",
           "    if now - seen_at > REDELIVERY_WINDOW:", "    if False:",
           ("tests/storage", "tests/conversations")),
    Mutant("an update id reused for another update taken for a repeat", "storage/rules.py",
           "    if key is not None and seen_key is not None and seen_key != key:", "    if False:",
           ("tests/storage", "tests/conversations")),
    Mutant("a full disk not turned into the not-saved reply", "conversations/engine.py",
           "        except store_errors.StorageFull as exc:\n            log.error(\"update",
           "        except store_errors.Conflict as exc:\n            log.error(\"update",
           ("tests/conversations",)),
    Mutant("a callback action matched by prefix", "conversations/callbacks.py",
           "    names = ACTIONS.get(action)",
           "    names = next((fields for name, fields in ACTIONS.items() if action.startswith(name)), None)",
           ("tests/conversations",)),
    Mutant("evidence added to a locked answer", "conversations/evidence.py",
           "    if answer is not None and answer.status == AnswerStatus.FINAL:\n        raise Refusal(\"locked\", number=number)",
           "    if False:\n        raise Refusal(\"locked\", number=number)",
           ("tests/conversations",)),
    Mutant("the /anggota privilege check removed", "conversations/team.py",
           "    lead, institution = await access.lead_institution(turn)\n    people",
           "    lead = (await access.active_memberships(turn))[0]\n"
           "    institution = await turn.tx.institutions.require(lead.institution_id)\n    people",
           ("tests/conversations", "tests/bot/test_bad_input.py")),
    Mutant("period buttons pressed in a group", "conversations/engine.py",
           "        if not turn.event.chat.private and not route.group:", "        if False:",
           ("tests/conversations",)),
    Mutant("a removed member acting from a stale position", "conversations/access.py",
           "        raise Refusal(\"stale_button\", toast=\"toast_stale\")\n    await membership(turn, period.institution_id)\n",
           "        raise Refusal(\"stale_button\", toast=\"toast_stale\")\n",
           ("tests/conversations",)),
    Mutant("a removed member's awaited input not checked", "conversations/explanations.py",
           "    await access.member_period(turn, step.period_id)  # a member removed meanwhile writes nothing\n", "",
           ("tests/conversations",)),
    Mutant("candidate buttons of a question answer that crash", "conversations/questions.py",
           'number, level = press.int("indicator"), press.str("level")', 'number, level = press.int("level"), press.str("level")',
           ("tests/conversations",)),
    Mutant("a refused event not rolled back", "conversations/engine.py",
           "                async with tx.savepoint():", "                if True:",
           ("tests/conversations",)),
    Mutant("an invitation redeemed without its row lock (PostgreSQL)", "storage/postgres/institutions.py",
           '"SELECT * FROM invitations WHERE code = %s FOR UPDATE"', '"SELECT * FROM invitations WHERE code = %s"',
           ("tests/storage/test_postgres.py", "tests/conversations/test_replicas.py")),
    Mutant("an answer changed without its row lock (PostgreSQL)", "storage/postgres/evaluations.py",
           '"SELECT * FROM answers WHERE period_id = %s AND indicator = %s FOR UPDATE"',
           '"SELECT * FROM answers WHERE period_id = %s AND indicator = %s"',
           ("tests/storage/test_postgres.py", "tests/conversations/test_replicas.py")),
    Mutant("a register item's code taken without the institution's lock (PostgreSQL)", "storage/postgres/evidence.py",
           '"SELECT id FROM institutions WHERE id = %s FOR NO KEY UPDATE", (institution_id,)) is None:',
           '"SELECT id FROM institutions WHERE id = %s", (institution_id,)) is None:',
           ("tests/storage/test_postgres.py",)),
    Mutant("PostgreSQL's migrations without their advisory lock", "storage/postgres/migrations.py",
           '        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))', "        pass",
           ("tests/storage/test_postgres.py",)),
    Mutant("a COMMIT of a transaction PostgreSQL aborted taken for success", "storage/postgres/database.py",
           "        if status == TransactionStatus.INERROR:", "        if False:",
           ("tests/storage/test_transactions.py",)),
    Mutant("updates confirmed to Telegram as soon as they are fetched, as PTB's Updater does", "bot/pipeline.py",
           "                if self.ledger.fetched(data[\"update_id\"]):\n",
           "                if self.ledger.fetched(data[\"update_id\"]) and self.ledger.finished(data[\"update_id\"]) is None:\n",
           ("tests/bot/test_crash.py",)),
    Mutant("an answer confirmed at its commit not delivered again at the next start", "bot/app.py",
           "        await transport.replay(application)", "        pass",
           ("tests/bot/test_pipeline.py",)),
    Mutant("a new message confirmed at its commit, before it is delivered", "bot/transport.py",
           '    return all("edit" in item and', '    return True or all("edit" in item and',
           ("tests/bot/test_pipeline.py",)),
    Mutant("the writer's BEGIN IMMEDIATE waiting on the event loop's thread", "storage/sqlite/database.py",
           '        await _run(writer, "PRAGMA busy_timeout = 0")\n', "",
           ("tests/storage/test_transactions.py",)),
    Mutant("the pressed message not kept as the live card in the answer's transaction", "conversations/engine.py",
           "                    _pressed_card(turn, outcome)\n", "",
           ("tests/bot/test_pipeline.py",)),
    Mutant("an old button acting on another indicator", "conversations/explanations.py",
           "    if (press.int(\"period\"), press.int(\"indicator\")) != (step.period_id, step.indicator):", "    if False:",
           ("tests/conversations",)),
    Mutant("the berita acara offered to officers", "conversations/exports.py",
           "    if kind in jobs.LEAD_ONLY and not member.is_lead:", "    if False:",
           ("tests/conversations/test_exports_and_plans.py",)),
    Mutant("a file sent into a group without the lead check", "conversations/exports.py",
           "        await access.lead_of(turn, period.institution_id)\n        if dest == \"a\":",
           "        await access.membership(turn, period.institution_id)\n        if dest == \"a\":",
           ("tests/conversations/test_exports_and_plans.py",)),
    Mutant("a proposal accepted without the lead check", "conversations/plans.py",
           "    await access.lead_of(turn, period.institution_id)\n    stored = await turn.tx.plans.target(period.id)\n"
           "    if stored is None:\n        raise Refusal(\"stale_button\"",
           "    await access.membership(turn, period.institution_id)\n    stored = await turn.tx.plans.target(period.id)\n"
           "    if stored is None:\n        raise Refusal(\"stale_button\"",
           ("tests/conversations/test_exports_and_plans.py",)),
    Mutant("a proposal that does not prefer the lowest levels among equal gains", "knowledge/planning.py",
           "    return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1])", "    return a[0] > b[0]",
           ("tests/knowledge/test_planning.py",)),
    Mutant("the workbook's numbers written as text", "reports/workbook.py",
           "        sheet.write_number(row, column, float(value), fmt)", "        sheet.write_string(row, column, str(value), fmt)",
           ("tests/reports/test_workbook.py",)),
    Mutant("an upload whose file was not stored registered anyway", "conversations/evidence.py",
           "    if (held is None or held.sha256 is None) and upload.sha256 is None:\n        raise _fetch_refusal(upload)",
           "    if False:\n        raise _fetch_refusal(upload)",
           ("tests/conversations/test_evidence.py",)),
    Mutant("another institution's register item taken from a button", "conversations/register.py",
           "    if item is None or item.institution_id != period.institution_id:", "    if item is None:",
           ("tests/conversations/test_evidence.py",)),
    Mutant("a verdict given by an officer", "conversations/review.py",
           "    \"\"\"Accepted is saved at once; a revision or a rejection asks the lead for the note first.\"\"\"\n"
           "    await access.lead_of(turn, period.institution_id)",
           "    \"\"\"Accepted is saved at once; a revision or a rejection asks the lead for the note first.\"\"\"\n"
           "    await access.membership(turn, period.institution_id)",
           ("tests/conversations/test_evidence.py",)),
    Mutant("an officer's \"tidak relevan\" counted in the index of accepted evidence", "knowledge/checklists.py",
           "(self.status == NOT_RELEVANT and self.by_lead)", "(self.status == NOT_RELEVANT)",
           ("tests/knowledge/test_checklists.py", "tests/conversations/test_evidence.py")),
    Mutant("the sweep of evidence files without its grace period", "storage/files/upkeep.py",
           "        if info.modified >= older_than:", "        if False:",
           ("tests/storage/test_evidence_upkeep.py",)),
    Mutant("a file sent twice kept as two register items", "storage/sqlite/evidence.py",
           "        if sha256 is not None:\n            row = await self._one(\"SELECT * FROM evidence WHERE institution_id = ? AND sha256",
           "        if False:\n            row = await self._one(\"SELECT * FROM evidence WHERE institution_id = ? AND sha256",
           ("tests/storage/test_evidence.py", "tests/conversations/test_evidence.py")),
    # Replicas (docs/bot.md, "Replicas")
    Mutant("a reminder claimed although another replica claimed it since it was read", "storage/sqlite/teams.py",
           "WHERE id = ? AND enabled = 1 AND last_sent_at IS ?", "WHERE id = ? AND enabled = 1 AND (last_sent_at IS ? OR 1)",
           ("tests/storage/test_replicas.py", "tests/conversations/test_team_rules.py")),
    Mutant("a chat's lane taken from a live replica", "storage/sqlite/replicas.py",
           "WHERE chat_lanes.holder = excluded.holder OR NOT {_ALIVE.format(table='chat_lanes')}", "WHERE ? IS NOT NULL",
           ("tests/storage/test_replicas.py",)),
    Mutant("a chat's lane given up with parts left to send", "storage/sqlite/replicas.py",
           '        unsent = "" if force else (', '        unsent = "" if True else (',
           ("tests/storage/test_replicas.py",)),
    Mutant("a group summary's pace not kept across replicas", "storage/sqlite/teams.py",
           "(summary_shown_at IS NULL OR summary_shown_at <= ?)", "(summary_shown_at IS NULL OR ? IS NOT NULL)",
           ("tests/storage/test_replicas.py", "tests/bot/test_teams.py")),
    Mutant("an update's turn not waited for", "bot/replicas.py",
           "            yield await self._wait_for_turn(update_id, keys)", "            yield True",
           ("tests/bot/test_replicas.py::test_an_update_waits_for_an_earlier_one_of_its_user_on_another_replica",)),
    Mutant("the webhook answered before the update is finished", "bot/webhook.py",
           "            await self.handle(update)\n", "            self.application.create_task(self.handle(update))\n",
           ("tests/bot/test_webhook.py",)),
    Mutant("a webhook post taken without Telegram's secret_token", "bot/webhook.py",
           "        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, \"\").encode(), self._secret):",
           "        if False:",
           ("tests/bot/test_webhook.py",)),
)


def _copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="spbe-mutant-"))
    shutil.copytree(ROOT, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "data"))
    return target


def run(mutant: Mutant) -> tuple[bool, float]:
    """Apply ``mutant`` to a copy and run its tests there; True when a test failed (killed)."""
    tree = _copy()
    try:
        path = tree / mutant.path
        source = path.read_text(encoding="utf-8")
        if mutant.name != "baseline" and source.count(mutant.old) != 1:
            raise SystemExit(f"{mutant.name}: the line to change is not in {mutant.path} exactly once; update tests/mutants.py")
        path.write_text(source.replace(mutant.old, mutant.new, 1), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
                                cwd=tree, env=env, capture_output=True, text=True, check=False)
        return result.returncode != 0, time.monotonic() - started
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or m.name in names]
    targets = tuple(sorted({t for m in chosen for t in m.tests}))
    failed, _ = run(Mutant("baseline", "README.md", "#", "#", targets))  # the unchanged copy must pass
    if failed:
        print(f"the unchanged tree fails {' '.join(targets)}: fix that first")
        return 2
    survived = 0
    for mutant in chosen:
        killed, seconds = run(mutant)
        survived += not killed
        print(f"{'killed  ' if killed else 'SURVIVED'} {seconds:5.1f} s  {mutant.name}", flush=True)
    print(f"{len(chosen) - survived} of {len(chosen)} mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
