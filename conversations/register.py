"""The evidence register: ``/bukti`` lists it (paged), an item opens with what it supports and its
review; its title, its document number and date and the indicators it supports are edited here.

Only members of the institution see its items: a button names a period (the engine checks the
presser's membership) and an item, which must belong to that period's institution, else it is
refused like any forged button; a typed code is looked up in the presser's own institution only.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Command
from conversations.evidence import described
from conversations.replies import Attachment, Button, Outcome, Refusal, Reply, short
from conversations.states import EvidenceDocument, EvidenceLinkInput, EvidenceTitle
from conversations.walkthrough import paging
from knowledge import documents
from knowledge.checklists import claimed_level
from knowledge.models import Pack
from reports.evidence_zip import EvidenceItem, Support, member_name
from storage import errors as store_errors
from storage.models import AnswerStatus, Evidence, EvidenceLink, Period
from storage.repositories import Session

PAGE = 10
CODE = re.compile(r"^\s*b?\s*-?\s*0*(\d{1,6})\s*$", re.IGNORECASE)


async def item_of(turn: Turn, period: Period, evidence_id: int) -> Evidence:
    """The register item a button names, if it is the institution's; else the button is forged."""
    item = await turn.tx.evidence.get(evidence_id)
    if item is None or item.institution_id != period.institution_id:
        raise Refusal("stale_button", toast="toast_stale")
    return item


def file_name(item: Evidence, indicator: int | None = None) -> str:
    """The name a kept file is sent (and exported) under: its code, the indicator, its own name."""
    return member_name(item.label, indicator, item.title, item.file_name, item.kind)


async def zip_items(tx: Session, pack: Pack, period: Period, timezone: str) -> list[EvidenceItem]:
    """The institution's register as the evidence ZIP shows it (``reports.evidence_zip``): every item,
    with the indicators of ``period`` it supports and their reviews; times in ``timezone``."""
    zone = ZoneInfo(timezone)
    names = {m.user_id: m.display_name for m in await tx.members.list(period.institution_id, active_only=False)}
    links: dict[int, list[EvidenceLink]] = {}
    for link in await tx.evidence.links(period.id):
        links.setdefault(link.evidence_id, []).append(link)
    return [
        EvidenceItem(
            code=item.label, title=item.title or item.file_name or item.label, kind=item.kind,
            sent_by=names.get(item.uploaded_by, str(item.uploaded_by)), sent_at=item.uploaded_at.astimezone(zone),
            sha256=item.sha256, file_name=item.file_name, size=item.size, doc_number=item.doc_number, doc_date=item.doc_date,
            doc_year=item.doc_year,
            supports=tuple(
                Support(link.indicator, pack.indicator(link.indicator).short_name, link.level, link.review.value, link.review_note,
                        names.get(link.reviewed_by) if link.reviewed_by else None,
                        link.reviewed_at.astimezone(zone) if link.reviewed_at else None)
                for link in links.get(item.id, [])
            ),
        )
        for item in await tx.evidence.register(period.institution_id)
    ]


# --- the list -------------------------------------------------------------------------------


async def command(turn: Turn, command: Command) -> Outcome:
    """/bukti: the register; /bukti B-012: that item."""
    period = await access.working_period(turn)
    pack = turn.packs.get(period.framework)
    arg = command.args.strip()
    if not arg:
        return Outcome([await listing(turn, period, pack, 0, edit=False)])
    match = CODE.match(arg)
    if not match:
        raise Refusal("register_usage")
    item = await turn.tx.evidence.by_code(period.institution_id, int(match.group(1)))
    if item is None:
        raise Refusal("register_no_item", code=arg.upper())
    return Outcome([await item_view(turn, period, pack, item, edit=False)])


async def listing(turn: Turn, period: Period, pack: Pack, page: int, *, edit: bool) -> Reply:
    items = await turn.tx.evidence.register(period.institution_id)
    links: dict[int, list[EvidenceLink]] = {}
    for link in await turn.tx.evidence.links(period.id):
        links.setdefault(link.evidence_id, []).append(link)
    pages = max(1, -(-len(items) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE:(page + 1) * PAGE]
    rows = [[Button("evidence_code", cb.make("bi", period.id, item.id), {"code": item.label}) for item in shown[i:i + 5]]
            for i in range(0, len(shown), 5)]
    if pages > 1:
        rows.append(paging("bl", period.id, page, pages))
    institution = await turn.tx.institutions.require(period.institution_id)
    return Reply("register", {
        "pack": pack, "period": period, "institution": institution, "items": shown, "links": links, "total": len(items),
        "page": page, "pages": pages,
    }, rows, edit=edit)


async def list_page(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await listing(turn, period, pack, turn.press.int("page"), edit=True)])


# --- one item -------------------------------------------------------------------------------


async def item_view(turn: Turn, period: Period, pack: Pack, item: Evidence, *, edit: bool) -> Reply:
    """The item: what it is, who sent it when, what it supports with each review (notes verbatim)."""
    links = await turn.tx.evidence.links(period.id, evidence_id=item.id)
    members = await turn.tx.members.list(period.institution_id, active_only=False)
    names = {m.user_id: m.display_name for m in members}
    member = await access.membership(turn, period.institution_id)
    zone = ZoneInfo(turn.config.timezone)
    replaced = {link.replaced_by: await turn.tx.evidence.get(link.replaced_by) for link in links if link.replaced_by}
    rows: list[list[Button]] = []
    tools = [Button("evidence_title", cb.make("bt", period.id, item.id)), Button("evidence_document", cb.make("bn", period.id, item.id))]
    if item.sha256:
        tools.insert(0, Button("evidence_send", cb.make("bs", period.id, item.id)))
    rows.append(tools)
    supported = {link.indicator for link in links}
    suggested = [s.indicator for s in documents.suggest(pack, described(item), supported)] if supported else []
    rows.append([Button("evidence_link_to", cb.make("ba", period.id, item.id, n), {"number": n}) for n in suggested]
                + [Button("evidence_link_other", cb.make("bx", period.id, item.id))])
    if member.is_lead:
        reviews = [Button("review", cb.make("rv", period.id, item.id, link.indicator), {"code": None, "number": link.indicator})
                   for link in links]
        rows += [reviews[i:i + 4] for i in range(0, len(reviews), 4)]
    rows.append([Button("register_back", cb.make("bl", period.id, 0))])
    return Reply("evidence_item", {
        "pack": pack, "item": item, "links": links, "people": names, "at": item.uploaded_at.astimezone(zone),
        "sender": names.get(item.uploaded_by, str(item.uploaded_by)),
        "reviewed_at": {link.indicator: link.reviewed_at.astimezone(zone) for link in links if link.reviewed_at},
        "replaced": {n: e.label for n, e in replaced.items() if e is not None},
    }, rows, edit=edit)


async def open_item(turn: Turn, period: Period, pack: Pack) -> Outcome:
    item = await item_of(turn, period, turn.press.int("evidence"))
    turn.leave()
    return Outcome([await item_view(turn, period, pack, item, edit=True)])


async def send_file(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """The kept file itself, named by its code, sent to the member who asked."""
    item = await item_of(turn, period, turn.press.int("evidence"))
    if item.sha256 is None:
        raise Refusal("evidence_not_kept", code=item.label)
    links = await turn.tx.evidence.links(period.id, evidence_id=item.id)
    reply = Reply("short:evidence_file", {"code": item.label, "title": item.title or item.file_name or item.kind})
    reply.attachment = Attachment(item.sha256, file_name(item, links[0].indicator if len(links) == 1 else None))
    return Outcome([reply], toast="toast_sending")


async def link_suggested(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """The item supports this (suggested) indicator too."""
    item = await item_of(turn, period, turn.press.int("evidence"))
    return await _link(turn, period, pack, item, turn.press.int("indicator"), edit=True)


async def _link(turn: Turn, period: Period, pack: Pack, item: Evidence, number: int, *, edit: bool) -> Outcome:
    answer = await turn.tx.answers.get(period.id, number)
    if answer is not None and answer.status is AnswerStatus.FINAL:
        raise Refusal("locked", number=number)
    before = await turn.tx.evidence.get_link(item.id, period.id, number)
    await turn.tx.evidence.link(item.id, period.id, number, by=turn.user_id, level=claimed_level(pack, answer.level) if answer else None)
    turn.leave()
    return Outcome([await item_view(turn, period, pack, item, edit=edit)], toast="toast_linked",
                   toast_args={"code": item.label, "number": number, "before": before is not None})


# --- typed edits ----------------------------------------------------------------------------


async def ask_title(turn: Turn, period: Period, pack: Pack) -> Outcome:
    item = await item_of(turn, period, turn.press.int("evidence"))
    turn.enter(EvidenceTitle(period_id=period.id, evidence_id=item.id))
    return Outcome([short("ask_evidence_title", code=item.label, title=item.title or "-", limit=200)])


async def ask_document(turn: Turn, period: Period, pack: Pack) -> Outcome:
    item = await item_of(turn, period, turn.press.int("evidence"))
    turn.enter(EvidenceDocument(period_id=period.id, evidence_id=item.id))
    return Outcome([short("ask_evidence_document", code=item.label)])


async def ask_link(turn: Turn, period: Period, pack: Pack) -> Outcome:
    item = await item_of(turn, period, turn.press.int("evidence"))
    turn.enter(EvidenceLinkInput(period_id=period.id, evidence_id=item.id))
    return Outcome([short("ask_evidence_link", code=item.label, total=len(pack.indicators))])


async def _typed_item(turn: Turn, period_id: int, evidence_id: int) -> tuple[Period, Pack, Evidence]:
    period, pack = await access.member_period(turn, period_id)
    item = await item_of(turn, period, evidence_id)
    return period, pack, item


async def title_typed(turn: Turn) -> Outcome:
    step = turn.step_as(EvidenceTitle)
    period, pack, item = await _typed_item(turn, step.period_id, step.evidence_id)
    try:
        item = await turn.tx.evidence.set_title(item.id, turn.text)
    except store_errors.InvalidInput:
        return Outcome([short("ask_evidence_title", code=item.label, title=item.title or "-", limit=200)])
    turn.leave()
    return Outcome([short("evidence_title_saved", code=item.label), await item_view(turn, period, pack, item, edit=False)])


CLEAR_WORDS = {"-", "hapus", "kosong", "tidak ada", "none", "clear"}


def typed_reference(text: str) -> documents.Reference | None:
    """The number and date typed for a document ("12 Tahun 2023", "800/12/2023, 3 Maret 2023");
    an empty Reference clears them; None: nothing recognisable."""
    if text.strip().lower() in CLEAR_WORDS:
        return documents.Reference()
    found = documents.reference(text)
    if found.number is None:
        found = documents.reference("No. " + text.strip())
    return None if found.empty else found


async def document_typed(turn: Turn) -> Outcome:
    step = turn.step_as(EvidenceDocument)
    period, pack, item = await _typed_item(turn, step.period_id, step.evidence_id)
    found = typed_reference(turn.text)
    if found is None:
        return Outcome([short("ask_evidence_document", code=item.label)])
    try:
        item = await turn.tx.evidence.set_document(item.id, found.number, found.year, found.day)
    except store_errors.InvalidInput:
        return Outcome([short("ask_evidence_document", code=item.label)])
    turn.leave()
    return Outcome([short("evidence_document_saved", code=item.label), await item_view(turn, period, pack, item, edit=False)])


async def link_typed(turn: Turn) -> Outcome:
    step = turn.step_as(EvidenceLinkInput)
    period, pack, item = await _typed_item(turn, step.period_id, step.evidence_id)
    match = re.fullmatch(r"\s*#?\s*(\d{1,4})\s*", turn.text)
    if not match or not pack.has_indicator(int(match.group(1))):
        return Outcome([short("ask_evidence_link", code=item.label, total=len(pack.indicators))])
    return await _link(turn, period, pack, item, int(match.group(1)), edit=False)
