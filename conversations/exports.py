"""The evaluation snapshot the deliverables are made from, read in one transaction, and the chat
commands that hand files out: ``/ekspor`` (format buttons; in a linked group the lead picks the
group or a private chat), ``/grafik`` (the two charts as an album) and ``/portal N``.

Who may take what (docs/reports.md): every member takes the workbook, the PDF report, the CSV, the
portal texts and the charts in private chat, since they hold nothing a member cannot already read
in the chat. The berita acara needs a lead: it names the team and is the document the koordinator
signs. Sending any file into a group needs a lead as well, since a group may hold people who are
not members.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Command
from conversations.plan_status import plan_snapshot
from conversations.replies import Button, FileJob, Outcome, Refusal, Reply
from knowledge.models import Pack
from knowledge.packs import PackRegistry
from knowledge.scoring import evaluate
from reports import jobs
from reports.snapshot import AnswerRecord, EvidenceItem, Person, Review, Snapshot, level_name
from storage.models import AnswerStatus, EvidenceLink, Period, Role
from storage.repositories import Session

ROLE_ORDER = {Role.KOORDINATOR: 0, Role.PENANGGUNG_JAWAB: 1, Role.OFFICER: 2}


async def snapshot(tx: Session, packs: PackRegistry, period: Period, now: datetime, timezone: str) -> Snapshot:
    """Everything the deliverables show about ``period``, as of ``now`` (shown in ``timezone``)."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    institution = await tx.institutions.require(period.institution_id)
    pack = packs.get(period.framework)
    members = await tx.members.list(institution.id, active_only=False)
    names = {m.user_id: m.display_name for m in members}
    answers = {
        a.indicator: AnswerRecord(a.indicator, a.level, a.explanation, names.get(a.answered_by), a.updated_at.astimezone(zone),
                                  a.status == AnswerStatus.FINAL)
        for a in await tx.answers.list(period.id)
    }
    levels = {n: a.level for n, a in answers.items()}
    assignees = {a.indicator: names.get(a.user_id, str(a.user_id)) for a in await tx.assignments.for_period(period.id)}
    register = {e.id: e for e in await tx.evidence.register(institution.id)}
    links: dict[int, list[EvidenceLink]] = {}
    for link in await tx.evidence.links(period.id):
        if link.evidence_id in register:
            links.setdefault(link.evidence_id, []).append(link)
    evidence = []
    for evidence_id, supported in sorted(links.items(), key=lambda item: register[item[0]].code):
        kept = register[evidence_id]
        ordered = sorted(supported, key=lambda link: link.indicator)
        reviews = tuple(Review(link.indicator, link.review.value, link.review_note) for link in ordered)
        evidence.append(EvidenceItem(kept.label, kept.title or kept.file_name or kept.label, kept.kind, kept.size,
                                     tuple(r.indicator for r in reviews), names.get(kept.uploaded_by), kept.uploaded_at.astimezone(zone),
                                     kept.caption, reviews))
    team = sorted((m for m in members if m.active), key=lambda m: (ROLE_ORDER[m.role], m.display_name.casefold()))
    return Snapshot(
        institution=institution.name, institution_kind=institution.kind.value, region=institution.region, year=period.year, pack=pack,
        evaluation=evaluate(pack, levels), answers=answers, assignees=assignees, evidence=evidence,
        team=[Person(m.display_name, m.role.value) for m in team],
        plan=await plan_snapshot(tx, pack, period, levels, names, local_now.date()), made_at=local_now,
    )


# --- the chat commands -------------------------------------------------------------------------

FORMAT_ROWS = (("pdf", "xlsx"), ("docx", "csv"), ("portal", jobs.CHARTS))


def _menu(period: Period, *, lead: bool, dest: str) -> Reply:
    rows = [[Button("export_format", cb.make("ex", period.id, kind, dest), {"format": kind})
             for kind in row if lead or kind not in jobs.LEAD_ONLY] for row in FORMAT_ROWS]
    return Reply("short:export_menu", {"lead": lead, "group": dest == "a", "year": period.year}, rows)


async def export_command(turn: Turn, command: Command) -> Outcome:
    """/ekspor: the formats as buttons; in a linked group, for leads, who then choose where it goes."""
    if turn.event.chat.private:
        period = await access.working_period(turn)
        member = await access.membership(turn, period.institution_id)
        return Outcome([_menu(period, lead=member.is_lead, dest="h")], prepare=True)
    group = await access.linked_group(turn)
    await access.lead_of(turn, group.institution_id)
    return Outcome([_menu(await access.period_of(turn, group.institution_id), lead=True, dest="a")], prepare=True)


async def export_pressed(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """A format pressed: the snapshot is read now, in this transaction, and the file made after the reply."""
    kind, dest = turn.press.str("format"), turn.press.str("dest")
    chat = turn.event.chat
    member = await access.membership(turn, period.institution_id)
    if kind in jobs.LEAD_ONLY and not member.is_lead:
        raise Refusal("export_lead_only")
    target: int | None = None
    fallback: int | None = None
    if chat.private:
        if dest != "h":
            raise Refusal("stale_button", toast="toast_stale")
    else:
        link = await access.linked_group(turn)
        if link.institution_id != period.institution_id or dest == "h":
            raise Refusal("stale_button", toast="toast_stale")
        await access.lead_of(turn, period.institution_id)
        if dest == "a":
            buttons = [[Button("export_to_group", cb.make("ex", period.id, kind, "g")),
                        Button("export_to_me", cb.make("ex", period.id, kind, "p"))]]
            return Outcome([Reply("short:export_where", {"format": kind}, buttons, edit=True)])
        if dest == "p":
            target, fallback = turn.user_id, chat.id
    taken = await snapshot(turn.tx, turn.packs, period, turn.now, turn.config.timezone)
    thread = chat.thread_id if target is None else None
    return Outcome(files=[FileJob(kind, taken, target, thread, fallback)], toast="toast_export_started")


async def charts_command(turn: Turn, command: Command) -> Outcome:
    """/grafik: the radar and the bars as one album (in a linked group too: they are aggregates)."""
    if turn.event.chat.private:
        period = await access.working_period(turn)
        await access.membership(turn, period.institution_id)
    else:
        group = await access.linked_group(turn)
        await access.membership(turn, group.institution_id)
        period = await access.period_of(turn, group.institution_id)
    taken = await snapshot(turn.tx, turn.packs, period, turn.now, turn.config.timezone)
    return Outcome(files=[FileJob(jobs.CHARTS, taken, None, turn.event.chat.thread_id)])


async def portal_command(turn: Turn, command: Command) -> Outcome:
    """/portal N: the level and penjelasan of indicator N, ready to paste into the national portal."""
    period = await access.working_period(turn)
    pack = turn.packs.get(period.framework)
    arg = command.args.strip()
    if not arg.isdigit():
        raise Refusal("portal_usage")
    number = int(arg)
    if not pack.has_indicator(number):
        raise Refusal("indicator_missing", number=number, total=len(pack.indicators))
    answer = await turn.tx.answers.get(period.id, number)
    indicator = pack.indicator(number)
    files = [e.file_name or e.kind for e in await turn.tx.evidence.for_answer(period.id, number)]
    data = {"pack": pack, "ind": indicator, "answer": answer, "files": files,
            "level_name": level_name(pack, indicator, answer.level, turn.lang) if answer else None}
    return Outcome([Reply("portal", data)])
