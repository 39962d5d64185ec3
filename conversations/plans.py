"""The improvement plan (rencana aksi): a lead's target, the proposal that reaches it with the
fewest level raises (``knowledge.planning``), and the items with their owners and due dates.

``/rencana`` shows the plan to every member; a lead sets the target (buttons, or ``/rencana target
Baik 2027`` / ``/rencana target 3,25 2027``), accepts the proposal, and edits items (``/rencana N``
opens one: the level it is to reach, its owner, its due date, or out of the plan). A proposal's
accept button carries a fingerprint of what it showed: when the answers changed meanwhile, the new
proposal is shown instead of storing one nobody saw.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal, InvalidOperation

from conversations import access
from conversations import callbacks as cb
from conversations.assignments import parse_date
from conversations.context import Turn
from conversations.events import Command
from conversations.plan_status import plan_snapshot
from conversations.replies import Button, Outcome, Refusal, Reply, short
from conversations.states import PlanDue
from knowledge.models import Pack
from knowledge.planning import PlanningError, Proposal, Target, propose, raise_levels, total_weight
from knowledge.scoring import evaluate
from storage.models import Period, PlanTarget, PlanTargetKind

YEARS_AHEAD = 3  # target years offered as buttons: this period's year and the two after it
ITEM_BUTTONS = 8  # items with an edit button on the plan (the others: /rencana N)
_YEAR = re.compile(r"^\d{4}$")


def target_of(pack: Pack, stored: PlanTarget) -> Target:
    if stored.kind is PlanTargetKind.PREDICATE and stored.predicate:
        try:
            return Target.predicate(pack, stored.predicate)
        except PlanningError:  # an operator's pack renamed its bands: the stored bound still holds
            pass
    return Target.index(pack, stored.value)


def fingerprint(proposal: Proposal) -> str:
    """Eight hex digits naming the raises a proposal shows."""
    text = ";".join(f"{r.indicator}:{r.to_level}" for r in proposal.raises)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


async def _names(turn: Turn, period: Period) -> dict[int, str]:
    return {m.user_id: m.display_name for m in await turn.tx.members.list(period.institution_id, active_only=False)}


async def _is_lead(turn: Turn, period: Period) -> bool:
    member = await access.membership(turn, period.institution_id)
    return member.is_lead


# --- the plan ----------------------------------------------------------------------------------


async def plan_reply(turn: Turn, period: Period, pack: Pack, *, edit: bool = False, note: str | None = None,
                     count: int = 0) -> Reply:
    levels = await turn.tx.answers.levels(period.id)
    plan = await plan_snapshot(turn.tx, pack, period, levels, await _names(turn, period), turn.today)
    institution = await turn.tx.institutions.require(period.institution_id)
    lead = await _is_lead(turn, period)
    buttons: list[list[Button]] = []
    if lead:
        buttons.append([Button("plan_target", cb.make("pc", period.id))])
        if plan.target is not None:
            buttons[0].append(Button("plan_proposal", cb.make("pp", period.id)))
        row: list[Button] = []
        for entry in plan.entries[:ITEM_BUTTONS]:
            row.append(Button("plan_item", cb.make("pn", period.id, entry.indicator), {"number": entry.indicator}))
            if len(row) == 4:
                buttons.append(row)
                row = []
        if row:
            buttons.append(row)
    data = {"pack": pack, "period": period, "institution": institution, "plan": plan, "now": evaluate(pack, levels).projected,
            "lead": lead, "note": note, "count": count, "more": max(0, len(plan.entries) - ITEM_BUTTONS) if lead else 0}
    return Reply("plan", data, buttons, edit=edit)


async def command(turn: Turn, command: Command) -> Outcome:
    """/rencana; /rencana target Baik|3,25 [YEAR]; /rencana N [LEVEL] (leads)."""
    period = await access.working_period(turn)
    pack = turn.packs.get(period.framework)
    words = command.args.split()
    if not words:
        return Outcome([await plan_reply(turn, period, pack)])
    await access.lead_of(turn, period.institution_id)
    if words[0].lower() in {"target", "sasaran"}:
        return await _typed_target(turn, period, pack, words[1:])
    if not words[0].isdigit() or len(words) > 2:
        raise Refusal("plan_usage")
    number = int(words[0])
    if not pack.has_indicator(number):
        raise Refusal("indicator_missing", number=number, total=len(pack.indicators))
    if len(words) == 2:
        try:
            level = Decimal(words[1].replace(",", "."))
        except InvalidOperation:
            raise Refusal("plan_usage") from None
        return await _set_level(turn, period, pack, number, level, edit=False)
    return Outcome([await item_reply(turn, period, pack, number)])


async def _typed_target(turn: Turn, period: Period, pack: Pack, words: list[str]) -> Outcome:
    year = period.year + 1
    if words and _YEAR.match(words[-1]):
        year = int(words.pop())
    if not words:
        raise Refusal("plan_target_usage")
    text = " ".join(words)
    try:
        if re.fullmatch(r"\d+(?:[.,]\d{1,2})?", text):
            target = Target.index(pack, Decimal(text.replace(",", ".")))
        else:
            target = Target.predicate(pack, text)
    except PlanningError:
        raise Refusal("plan_target_bad", low=pack.scale.min, high=pack.scale.max,
                      predicates=", ".join(b.label for b in pack.predicates)) from None
    return await _store_target(turn, period, pack, target, year, edit=False)


async def _store_target(turn: Turn, period: Period, pack: Pack, target: Target, year: int, *, edit: bool) -> Outcome:
    if not period.year <= year <= period.year + 10:
        raise Refusal("plan_year_bad", first=period.year, last=period.year + 10)
    await turn.tx.plans.set_target(period_id=period.id, kind=target.kind, value=target.value,
                                   predicate=target.band.label if target.band else None, year=year, by=turn.user_id)
    return Outcome([await proposal_reply(turn, period, pack, edit=edit)], toast="toast_done")


async def show(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await plan_reply(turn, period, pack, edit=True)])


async def target_choices(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """``pc``: the predicates above the index now, each by this period's year or the next two."""
    await access.lead_of(turn, period.institution_id)
    ordered = sorted(pack.predicates, key=lambda b: b.min)
    now = evaluate(pack, await turn.tx.answers.levels(period.id)).projected.value
    rows = [[Button("plan_band", cb.make("pt", period.id, ordered.index(band) + 1, y), {"band": band.label, "year": y})
             for y in range(period.year, period.year + YEARS_AHEAD)]
            for band in ordered if band.min > now]
    rows.append([Button("plan_back", cb.make("pl", period.id))])
    return Outcome([Reply("short:plan_choose_target", {"value": now, "low": pack.scale.min, "high": pack.scale.max}, rows, edit=True)])


async def target_pressed(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """``pt``: that predicate band by that year."""
    await access.lead_of(turn, period.institution_id)
    year = turn.press.int("year")
    ordered = sorted(pack.predicates, key=lambda b: b.min)
    band = turn.press.int("band")
    if not 1 <= band <= len(ordered):
        raise Refusal("stale_button", toast="toast_stale")
    return await _store_target(turn, period, pack, Target.predicate(pack, ordered[band - 1].label), year, edit=True)


# --- the proposal ------------------------------------------------------------------------------


async def proposal_reply(turn: Turn, period: Period, pack: Pack, *, edit: bool = False, changed: bool = False) -> Reply:
    stored = await turn.tx.plans.target(period.id)
    if stored is None:
        raise Refusal("plan_no_target")
    proposal = propose(pack, await turn.tx.answers.levels(period.id), target_of(pack, stored))
    buttons = []
    if proposal.raises:
        buttons.append([Button("plan_accept", cb.make("pa", period.id, fingerprint(proposal)), {"count": len(proposal.raises)})])
    buttons.append([Button("plan_back", cb.make("pl", period.id))])
    data = {"pack": pack, "period": period, "proposal": proposal, "target": stored, "changed": changed}
    return Reply("plan_proposal", data, buttons, edit=edit)


async def proposal_pressed(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await proposal_reply(turn, period, pack, edit=True)])


async def accept(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """The proposal shown becomes the plan's items: new indicators are added, those already in the
    plan get the proposed level (their owners and due dates stay)."""
    await access.lead_of(turn, period.institution_id)
    stored = await turn.tx.plans.target(period.id)
    if stored is None:
        raise Refusal("stale_button", toast="toast_stale")
    proposal = propose(pack, await turn.tx.answers.levels(period.id), target_of(pack, stored))
    if fingerprint(proposal) != turn.press.str("fingerprint"):
        return Outcome([await proposal_reply(turn, period, pack, edit=True, changed=True)], toast="toast_refused")
    for item in proposal.raises:
        await turn.tx.plans.set_item(period_id=period.id, indicator=item.indicator, from_level=item.from_level, to_level=item.to_level,
                                     by=turn.user_id)
    outcome = Outcome([await plan_reply(turn, period, pack, edit=True, note="accepted", count=len(proposal.raises))], toast="toast_done")
    outcome.refresh.add(period.institution_id)
    return outcome


# --- one item ----------------------------------------------------------------------------------


async def item_reply(turn: Turn, period: Period, pack: Pack, number: int, *, edit: bool = False) -> Reply:
    indicator = pack.indicator(number)
    item = await turn.tx.plans.item(period.id, number)
    answer = await turn.tx.answers.get(period.id, number)
    now = answer.level if answer else Decimal(pack.scale.min)
    owner = None
    if item is not None and item.owner_id is not None:
        owner = (await _names(turn, period)).get(item.owner_id)
    gain = (item.to_level - item.from_level) * indicator.weight / total_weight(pack) if item else None
    levels = raise_levels(now, pack.scale.max)
    buttons = [[Button("plan_level", cb.make("pi", period.id, number, int(level)), {"level": int(level),
                                                                                     "chosen": item is not None and item.to_level == level})
                for level in levels]] if levels else []
    if item is not None:
        buttons.append([Button("plan_owner", cb.make("pm", period.id, number)), Button("plan_due", cb.make("pd", period.id, number))])
        buttons.append([Button("plan_remove", cb.make("px", period.id, number))])
    buttons.append([Button("plan_back", cb.make("pl", period.id))])
    data = {"pack": pack, "period": period, "ind": indicator, "item": item, "now": now, "owner": owner, "gain": gain,
            "answered": answer is not None, "today": turn.today}
    return Reply("plan_item", data, buttons, edit=edit)


async def item_pressed(turn: Turn, period: Period, pack: Pack) -> Outcome:
    await access.lead_of(turn, period.institution_id)
    return Outcome([await item_reply(turn, period, pack, turn.press.int("indicator"), edit=True)])


async def _set_level(turn: Turn, period: Period, pack: Pack, number: int, level: Decimal, *, edit: bool) -> Outcome:
    answer = await turn.tx.answers.get(period.id, number)
    now = answer.level if answer else Decimal(pack.scale.min)
    if level not in raise_levels(now, pack.scale.max):
        raise Refusal("plan_level_bad", number=number, now=now, top=pack.scale.max)
    await turn.tx.plans.set_item(period_id=period.id, indicator=number, from_level=now, to_level=level, by=turn.user_id)
    outcome = Outcome([await item_reply(turn, period, pack, number, edit=edit)], toast="toast_done")
    outcome.refresh.add(period.institution_id)
    return outcome


async def level_pressed(turn: Turn, period: Period, pack: Pack) -> Outcome:
    await access.lead_of(turn, period.institution_id)
    try:
        level = Decimal(turn.press.str("level"))
    except InvalidOperation:
        raise Refusal("stale_button", toast="toast_stale") from None
    return await _set_level(turn, period, pack, turn.press.int("indicator"), level, edit=True)


async def _item(turn: Turn, period: Period) -> int:
    number = turn.press.int("indicator")
    if await turn.tx.plans.item(period.id, number) is None:
        raise Refusal("plan_not_item", toast="toast_stale", number=number)
    return number


async def owner_list(turn: Turn, period: Period, pack: Pack) -> Outcome:
    await access.lead_of(turn, period.institution_id)
    number = await _item(turn, period)
    members = await turn.tx.members.list(period.institution_id)
    rows = [[Button("plan_person", cb.make("po", period.id, number, m.user_id), {"name": m.display_name})] for m in members]
    rows.append([Button("plan_nobody", cb.make("po", period.id, number, 0)), Button("plan_back_item", cb.make("pn", period.id, number))])
    return Outcome([Reply("short:plan_pick_owner", {"number": number}, rows, edit=True)])


async def owner_set(turn: Turn, period: Period, pack: Pack) -> Outcome:
    await access.lead_of(turn, period.institution_id)
    number = await _item(turn, period)
    user = turn.press.int("user")
    if user:
        member = await turn.tx.members.get(period.institution_id, user)
        if member is None or not member.active:
            raise Refusal("plan_owner_gone", toast="toast_stale")
    await turn.tx.plans.set_owner(period.id, number, user or None, by=turn.user_id)
    outcome = Outcome([await item_reply(turn, period, pack, number, edit=True)], toast="toast_done")
    outcome.refresh.add(period.institution_id)
    return outcome


async def due_ask(turn: Turn, period: Period, pack: Pack) -> Outcome:
    await access.lead_of(turn, period.institution_id)
    number = await _item(turn, period)
    turn.enter(PlanDue(period_id=period.id, indicator=number))
    return Outcome([short("plan_due_ask", number=number)])


async def due_typed(turn: Turn) -> Outcome:
    """The due date typed for an item (``-`` clears it)."""
    step = turn.step_as(PlanDue)
    period, pack = await access.member_period(turn, step.period_id)
    await access.lead_of(turn, period.institution_id)
    text = turn.text.strip()
    due = None if text in {"-", "hapus", "none"} else parse_date(text)
    if due is None and text not in {"-", "hapus", "none"}:
        return Outcome([short("plan_due_bad")])
    if await turn.tx.plans.item(period.id, step.indicator) is None:
        turn.leave()
        raise Refusal("plan_not_item", number=step.indicator)
    await turn.tx.plans.set_due(period.id, step.indicator, due, by=turn.user_id)
    turn.leave()
    outcome = Outcome([await item_reply(turn, period, pack, step.indicator)])
    outcome.refresh.add(period.institution_id)
    return outcome


async def remove(turn: Turn, period: Period, pack: Pack) -> Outcome:
    await access.lead_of(turn, period.institution_id)
    number = await _item(turn, period)
    await turn.tx.plans.remove_item(period.id, number)
    outcome = Outcome([await plan_reply(turn, period, pack, edit=True)], toast="toast_done")
    outcome.refresh.add(period.institution_id)
    return outcome
