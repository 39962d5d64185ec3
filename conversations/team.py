"""The team: operators create institutions, leads invite, promote and remove members, people join."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Command
from conversations.navigation import resume
from conversations.replies import Button, Outcome, Refusal, Reply, short
from conversations.states import InstitutionKind as InstitutionKindStep
from conversations.states import InstitutionName, InstitutionRegion, InviteCode
from storage import errors as store_errors
from storage.models import InstitutionKind, Member, Role

NAME_LIMIT = 120
INVITE_ROLES = ("officer", "penanggung_jawab", "koordinator")
# Member actions a lead can take from /anggota: the role each one gives (None: removal).
MEMBER_ACTIONS = {"pj": Role.PENANGGUNG_JAWAB, "of": Role.OFFICER, "ko": Role.KOORDINATOR, "rm": None}


# --- /start ------------------------------------------------------------------------------------


async def start(turn: Turn, command: Command) -> Outcome:
    """/start: what the bot does and what this user can do; ``/start CODE`` (an invitation link) joins."""
    if not turn.event.chat.private:
        return Outcome([Reply("help")])
    if command.args:
        return await join(turn, command.args.strip())
    memberships = []
    for member in await access.active_memberships(turn):
        institution = await turn.tx.institutions.require(member.institution_id)
        memberships.append({"institution": institution, "role": member.role.value})
    buttons = []
    if memberships:
        buttons.append([Button("continue_evaluation", cb.make("st", "continue"))])
    buttons.append([Button("join_code", cb.make("st", "join"))])
    buttons.append([Button("ask_question", cb.make("st", "ask"))])
    if turn.user_id in turn.config.admin_ids:
        buttons.append([Button("new_institution", cb.make("st", "new_inst"))])
    return Outcome([Reply("start", {"user": turn.event.user, "memberships": memberships}, buttons)])


async def start_choice(turn: Turn) -> Outcome:
    """A button of the /start menu."""
    choice = turn.press.str("choice")
    if choice == "continue":
        return await resume(turn)
    if choice == "join":
        turn.enter(InviteCode())
        return Outcome([short("ask_code")], toast="toast_done")
    if choice == "ask":
        return Outcome([Reply("help")], toast="toast_done")
    if choice == "new_inst":
        return await new_institution(turn)
    raise Refusal("stale_button", toast="toast_stale")


# --- institutions (operators) --------------------------------------------------------------------


async def new_institution(turn: Turn, command: Command | None = None) -> Outcome:
    access.require_operator(turn)
    turn.enter(InstitutionName())
    return Outcome([short("inst_ask_name")])


async def institution_name(turn: Turn) -> Outcome:
    access.require_operator(turn, leave=True)
    value = turn.text.strip()
    if not 3 <= len(value) <= NAME_LIMIT:
        return Outcome([short("inst_name_invalid", limit=NAME_LIMIT)])
    turn.enter(InstitutionKindStep(name=value))
    rows = [[Button("kind", cb.make("ik", kind.value), {"kind": kind.value})] for kind in InstitutionKind]
    return Outcome([Reply("short:inst_ask_kind", {"name": value}, rows)])


async def institution_kind(turn: Turn) -> Outcome:
    access.require_operator(turn, leave=True)
    step = turn.step_as(InstitutionKindStep)
    kind = turn.press.str("kind")
    if kind not in {k.value for k in InstitutionKind}:
        raise Refusal("stale_button", toast="toast_stale")
    turn.enter(InstitutionRegion(name=step.name, kind=kind))
    return Outcome([short("inst_ask_region", name=step.name)], toast="toast_done")


async def institution_region(turn: Turn) -> Outcome:
    """The operator's last typed answer: the region; then the institution and its koordinator's invitation."""
    access.require_operator(turn, leave=True)
    step = turn.step_as(InstitutionRegion)
    value = turn.text.strip()
    region = None if value in {"-", ""} else value[:NAME_LIMIT]
    institution = await turn.tx.institutions.create(name=step.name, kind=InstitutionKind(step.kind), region=region)
    expires = turn.now + timedelta(days=turn.config.invite_days)
    invitation = await turn.tx.invitations.create(
        institution_id=institution.id, role=Role.KOORDINATOR, created_by=turn.user_id, expires_at=expires, max_uses=1,
    )
    turn.leave()
    return Outcome([short("inst_created", name=institution.name, link=invite_link(turn, invitation.code), code=invitation.code)])


# --- invitations and joining ---------------------------------------------------------------------


def invite_link(turn: Turn, code: str) -> str:
    return f"https://t.me/{turn.config.bot_username}?start={code}"


async def invite(turn: Turn, command: Command) -> Outcome:
    _, institution = await access.lead_institution(turn)
    buttons = [[Button("role", cb.make("rl", institution.id, role), {"role": role})] for role in INVITE_ROLES]
    return Outcome([Reply("short:choose_role", {"institution": institution.name}, buttons)])


async def create_invite(turn: Turn) -> Outcome:
    institution_id, role = turn.press.int("institution"), turn.press.str("role")
    lead = await access.lead_of(turn, institution_id)
    if role == Role.KOORDINATOR and lead.role != Role.KOORDINATOR:
        raise Refusal("koordinator_only")
    institution = await turn.tx.institutions.require(institution_id)
    expires = turn.now + timedelta(days=turn.config.invite_days)
    invitation = await turn.tx.invitations.create(
        institution_id=institution_id, role=Role(role), created_by=turn.user_id, expires_at=expires, max_uses=1,
    )
    reply = short(
        "invite_created", institution=institution.name, role=role, link=invite_link(turn, invitation.code),
        code=invitation.code, expires=_when(turn, expires),
    )
    reply.edit = True
    return Outcome([reply], toast="toast_done")


def _when(turn: Turn, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(turn.config.timezone))


async def join_command(turn: Turn, command: Command) -> Outcome:
    """/gabung KODE joins; a bare /gabung asks for the code."""
    if command.args.strip():
        return await join(turn, command.args.strip())
    turn.enter(InviteCode())
    return Outcome([short("ask_code")])


async def code_typed(turn: Turn) -> Outcome:
    return await join(turn, turn.text.strip())


async def join(turn: Turn, code: str) -> Outcome:
    user = turn.event.user
    try:
        member = await turn.tx.invitations.redeem(
            code, user_id=user.id, display_name=user.name, language=user.language, now=turn.now, username=user.username,
        )
    except (store_errors.NotFound, store_errors.InvalidInput, store_errors.Conflict) as exc:
        turn.leave()
        return Outcome([short("join_failed", reason=exc.code or "unknown")])
    institution = await turn.tx.institutions.require(member.institution_id)
    turn.leave()
    turn.move(institution_id=institution.id, period_id=None, indicator=None)
    return Outcome([short("join_ok", institution=institution.name, role=member.role.value)])


# --- members (leads) -----------------------------------------------------------------------------


def _actions_for(lead: Member, member: Member) -> list[str]:
    """What ``lead`` may do to ``member``: never to themselves; koordinator roles only by a koordinator."""
    if member.user_id == lead.user_id:
        return []
    if member.role == Role.KOORDINATOR and lead.role != Role.KOORDINATOR:
        return []
    actions = [name for name, role in MEMBER_ACTIONS.items() if role is not None and role != member.role]
    if lead.role != Role.KOORDINATOR:
        actions.remove("ko")
    return [*actions, "rm"]


async def members(turn: Turn, command: Command | None = None, *, edit: bool = False) -> Outcome:
    lead, institution = await access.lead_institution(turn)
    people = await turn.tx.members.list(institution.id)
    rows = [
        [Button("member_action", cb.make("mm", institution.id, m.user_id, action), {"action": action, "name": m.display_name})
         for action in _actions_for(lead, m)]
        for m in people
    ]
    reply = Reply("members", {"institution": institution, "members": people, "me": turn.user_id}, [r for r in rows if r], edit=edit)
    return Outcome([reply])


async def member_action(turn: Turn) -> Outcome:
    institution_id, user_id, action = turn.press.int("institution"), turn.press.int("user"), turn.press.str("member_action")
    lead = await access.lead_of(turn, institution_id)
    member = await turn.tx.members.get(institution_id, user_id)
    if member is None or not member.active or action not in _actions_for(lead, member):
        raise Refusal("stale_button", toast="toast_stale")
    role = MEMBER_ACTIONS[action]
    if role is None:
        await turn.tx.members.remove(institution_id, user_id)
    else:
        await turn.tx.members.set_role(institution_id, user_id, role)
    turn.move(institution_id=institution_id)
    outcome = await members(turn, edit=True)
    outcome.toast = "toast_done"
    return outcome
