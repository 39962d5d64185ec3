"""Who may do what: membership, the lead role, operators, linked groups, and the period at hand.

Every check raises :class:`Refusal` with the reply that explains it, so handlers read as the
happy path and a refused event stores nothing.
"""

from __future__ import annotations

from conversations.context import Turn
from conversations.replies import Refusal
from knowledge.models import Pack
from storage.models import GroupLink, Institution, Member, Period, Role

LEAD_ROLES = frozenset({Role.KOORDINATOR, Role.PENANGGUNG_JAWAB})


async def membership(turn: Turn, institution_id: int) -> Member:
    member = await turn.tx.members.get(institution_id, turn.user_id)
    if member is None or not member.active:
        raise Refusal("not_member")
    return member


async def lead_of(turn: Turn, institution_id: int) -> Member:
    member = await membership(turn, institution_id)
    if member.role not in LEAD_ROLES:
        raise Refusal("lead_only")
    return member


async def active_memberships(turn: Turn) -> list[Member]:
    return [m for m in await turn.tx.members.memberships(turn.user_id) if m.active]


async def lead_institution(turn: Turn) -> tuple[Member, Institution]:
    """The institution the user leads: the one they work in now, else their first as a lead."""
    memberships = await active_memberships(turn)
    if not memberships:
        raise Refusal("no_membership")
    leads = [m for m in memberships if m.role in LEAD_ROLES]
    if not leads:
        raise Refusal("lead_only")
    member = next((m for m in leads if m.institution_id == turn.position.institution_id), leads[0])
    return member, await turn.tx.institutions.require(member.institution_id)


async def lead_context(turn: Turn) -> tuple[Member, Institution]:
    """For lead commands: in a group, the linked institution (the user must lead it); in private
    chat, the institution the user leads."""
    if turn.event.chat.private:
        return await lead_institution(turn)
    group = await linked_group(turn)
    member = await lead_of(turn, group.institution_id)
    return member, await turn.tx.institutions.require(group.institution_id)


def require_operator(turn: Turn, *, leave: bool = False) -> None:
    """``leave``: the operator step in progress ends too (someone no longer an operator cannot finish it)."""
    if turn.user_id not in turn.config.admin_ids:
        raise Refusal("operator_only", leave=leave)


async def linked_group(turn: Turn) -> GroupLink:
    """The link of the group the event comes from; refuses in an unlinked group."""
    link = await turn.tx.groups.get(turn.event.chat.id)
    if link is None:
        raise Refusal("group_not_linked")
    return link


async def period_of(turn: Turn, institution_id: int) -> Period:
    """The institution's latest period; the current year with the default pack if it has none."""
    period = await turn.tx.periods.latest(institution_id)
    if period is None:
        pack = turn.packs.get(turn.config.default_framework)
        period = await turn.tx.periods.create(
            institution_id=institution_id, year=turn.local_now.year, framework=pack.id, level_min=pack.scale.min,
            level_max=pack.scale.max, fractional=pack.scale.fractional, indicator_count=len(pack.indicators),
        )
    return period


async def current_period(turn: Turn) -> Period | None:
    """The period the user works on: the stored one, else their institution's; None when they
    belong to several institutions and have not chosen one yet."""
    position = turn.position
    if position.period_id:
        period = await turn.tx.periods.get(position.period_id)
        if period is not None:
            member = await turn.tx.members.get(period.institution_id, turn.user_id)
            if member is not None and member.active:
                return period
    memberships = await active_memberships(turn)
    if not memberships:
        raise Refusal("no_membership")
    if len(memberships) > 1 and not position.institution_id:
        return None
    member = next((m for m in memberships if m.institution_id == position.institution_id), memberships[0])
    return await period_of(turn, member.institution_id)


async def working_period(turn: Turn) -> Period:
    """:func:`current_period`, refusing when the user has yet to choose among their institutions."""
    period = await current_period(turn)
    if period is None:
        raise Refusal("choose_institution_first")
    return period


async def member_period(turn: Turn, period_id: int) -> tuple[Period, Pack]:
    """The period a button or an awaited input names, after checking that the user (still)
    belongs to its institution."""
    period = await turn.tx.periods.get(period_id)
    if period is None:
        raise Refusal("stale_button", toast="toast_stale")
    await membership(turn, period.institution_id)
    return period, turn.packs.get(period.framework)
