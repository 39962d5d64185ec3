"""Evaluation periods: a lead picks the year and framework (/periode) and whether a penjelasan is required."""

from __future__ import annotations

from conversations import access
from conversations import callbacks as cb
from conversations import walkthrough as wt
from conversations.context import Turn
from conversations.events import Command
from conversations.replies import Button, Outcome, Refusal, Reply, short
from knowledge.models import Pack
from storage.models import Period


async def choose(turn: Turn, command: Command) -> Outcome:
    """/periode: the years each pack applies to around this year, as buttons."""
    _, institution = await access.lead_institution(turn)
    year = turn.local_now.year
    rows = []
    for pack in turn.packs:
        years = sorted({year, *[y for y in pack.framework.evaluation_years if y >= year - 1]})
        for y in years[-2:]:
            rows.append([Button("framework", cb.make("pf", institution.id, y, pack.id), {"title": pack.framework.short_title, "year": y})])
    return Outcome([Reply("short:choose_period", {"institution": institution.name}, rows)])


async def start(turn: Turn) -> Outcome:
    """A lead picked the year and framework of a period (a button of /periode)."""
    institution_id, year, framework = turn.press.int("institution"), turn.press.int("year"), turn.press.str("framework")
    await access.lead_of(turn, institution_id)
    if framework not in turn.packs:
        raise Refusal("stale_button", toast="toast_stale")
    existing = await turn.tx.periods.find(institution_id, year)
    if existing is not None:
        period = existing
        outcome = Outcome([short("period_exists", year=year, framework=turn.packs.get(existing.framework).framework.short_title)])
    else:
        pack = turn.packs.get(framework)
        period = await turn.tx.periods.create(
            institution_id=institution_id, year=year, framework=pack.id, level_min=pack.scale.min,
            level_max=pack.scale.max, fractional=pack.scale.fractional, indicator_count=len(pack.indicators),
        )
        outcome = Outcome([short("period_started", year=year, framework=pack.framework.short_title)])
    turn.move(institution_id=institution_id, period_id=period.id, indicator=None)
    outcome.refresh.add(institution_id)
    return outcome.add(await wt.next_card(turn, period, turn.packs.get(period.framework), after=None))


def _explanation_reply(period: Period, *, edit: bool = False) -> Reply:
    flag = 0 if period.require_explanation else 1
    return Reply(
        "short:explanation_setting", {"required": period.require_explanation, "year": period.year},
        [[Button("explanation_toggle", cb.make("rq", period.id, flag), {"required": bool(flag)})]], edit=edit,
    )


async def explanation_setting(turn: Turn, command: Command) -> Outcome:
    """/penjelasan: whether every answer needs a penjelasan, with a button to change it."""
    _, institution = await access.lead_institution(turn)
    return Outcome([_explanation_reply(await access.period_of(turn, institution.id))])


async def set_explanation(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """A lead made the penjelasan required (flag 1) or optional (0)."""
    await access.lead_of(turn, period.institution_id)
    period = await turn.tx.periods.set_require_explanation(period.id, turn.press.str("flag") == "1")
    return Outcome([_explanation_reply(period, edit=True)], toast="toast_done")
