"""The team: operators create institutions, leads invite, promote and remove members, people join."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Command
from conversations.replies import Button, Outcome, Reply, Refusal, short
from storage import errors as store_errors
from storage.models import InstitutionKind, Member, Role

NAME_LIMIT = 120
INVITE_ROLES = ("officer", "penanggung_jawab", "koordinator")
# Member actions a lead can take from /anggota: the role each one gives (None: removal).
MEMBER_ACTIONS = {"pj": Role.PENANGGUNG_JAWAB, "of": Role.OFFICER, "ko": Role.KOORDINATOR, "rm": None}


# --- institutions (operators) --------------------------------------------------------------------


def new_institution(turn: Turn, command: Command | None = None) -> Outcome:
    access.require_operator(turn)
    turn.move(awaiting="inst_name", draft={})
    return Outcome([short("inst_ask_name")])


def institution_kind(turn: Turn, kind: str) -> Outcome:
    access.require_operator(turn)
    if turn.position.awaiting != "inst_kind" or kind not in {k.value for k in InstitutionKind}:
        raise Refusal("stale_button", toast="toast_stale")
    draft = {**turn.position.draft, "kind": kind}
    turn.move(awaiting="inst_region", draft=draft)
    return Outcome([short("inst_ask_region", name=draft.get("name", ""))], toast="toast_done")


async def institution_step(turn: Turn, text: str) -> Outcome:
    """The operator's typed answers while creating an institution: its name, then its region."""
    if turn.user_id not in turn.config.admin_ids:
        turn.move(awaiting=None, draft={})
        raise Refusal("operator_only")
    value = text.strip()
    draft = dict(turn.position.draft or {})
    if turn.position.awaiting == "inst_name":
        if not 3 <= len(value) <= NAME_LIMIT:
            return Outcome([short("inst_name_invalid", limit=NAME_LIMIT)])
        turn.move(awaiting="inst_kind", draft={"name": value})
        rows = [[Button("kind", cb.make("ik", kind.value), {"kind": kind.value})] for kind in InstitutionKind]
        return Outcome([Reply("short:inst_ask_kind", {"name": value}, rows)])
    region = None if value in {"-", ""} else value[:NAME_LIMIT]
    institution = await turn.tx.institutions.create(name=draft["name"], kind=InstitutionKind(draft["kind"]), region=region)
    expires = turn.now + timedelta(days=turn.config.invite_days)
    invitation = await turn.tx.invitations.create(
        institution_id=institution.id, role=Role.KOORDINATOR, created_by=turn.user_id, expires_at=expires, max_uses=1,
    )
    turn.move(awaiting=None, draft={})
    return Outcome([short("inst_created", name=institution.name, link=invite_link(turn, invitation.code), code=invitation.code)])


# --- invitations and joining ---------------------------------------------------------------------


def invite_link(turn: Turn, code: str) -> str:
    return f"https://t.me/{turn.config.bot_username}?start={code}"


async def invite(turn: Turn, command: Command) -> Outcome:
    _, institution = await access.lead_institution(turn)
    buttons = [[Button("role", cb.make("rl", institution.id, role), {"role": role})] for role in INVITE_ROLES]
    return Outcome([Reply("short:choose_role", {"institution": institution.name}, buttons)])


async def create_invite(turn: Turn, institution_id: int, role: str) -> Outcome:
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
    turn.move(awaiting="invite_code")
    return Outcome([short("ask_code")])


async def join(turn: Turn, code: str) -> Outcome:
    user = turn.event.user
    try:
        member = await turn.tx.invitations.redeem(
            code, user_id=user.id, display_name=user.name, language=user.language, now=turn.now, username=user.username,
        )
    except (store_errors.NotFound, store_errors.InvalidInput, store_errors.Conflict) as exc:
        turn.move(awaiting=None)
        return Outcome([short("join_failed", reason=exc.code or "unknown")])
    institution = await turn.tx.institutions.require(member.institution_id)
    turn.move(institution_id=institution.id, period_id=None, indicator=None, awaiting=None)
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


async def member_action(turn: Turn, institution_id: int, user_id: int, action: str) -> Outcome:
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
