"""Bukti dukung: a document or photo sent while an indicator is open is kept for that indicator.

The file itself is downloaded and put in the evidence store *before* the transaction that registers
it (``Engine.handle`` calls :func:`wanted`, downloads through the bot's :class:`FileSource`, stores,
and hands the hash to the handler in the event): a crash in between leaves a file without a row,
which ``spbe-bot evidence gc`` sweeps, never a register row without its file. One file is one
register item per institution (by its hash, or Telegram's unique id): sent again, for another
indicator, it is linked, not stored again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Upload
from conversations.replies import Button, Outcome, Refusal, Reply, short
from conversations.states import EvidenceReplace, Explanation, ExplanationCheck, State
from knowledge import documents
from knowledge.checklists import claimed_level
from knowledge.models import Pack
from storage.models import AnswerStatus, Evidence, Period, ReviewStatus

CAPTION_LIMIT = 1024
KINDS = {"document", "photo"}
MAX_FILE_BYTES = 20 * 1024 * 1024  # Telegram's bots can download files up to 20 MB (getFile)
LIMIT_MB = MAX_FILE_BYTES // (1024 * 1024)
EVIDENCE_STATES = frozenset({State.IDLE, State.EXPLANATION, State.EXPLANATION_CHECK, State.EVIDENCE_REPLACE})
# What a document may be: what the national portal and the assessors open (PDF above all), office
# and OpenDocument files, images, and archives of several files. Anything else (an .exe, an .apk) is
# refused with this list.
EXTENSIONS = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "txt", "csv",
    "jpg", "jpeg", "png", "webp", "heic", "tif", "tiff", "zip", "rar", "7z",
})
MIME_PREFIXES = ("application/pdf", "image/", "text/plain", "text/csv", "application/msword", "application/vnd.ms-",
                 "application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.", "application/rtf",
                 "application/zip", "application/x-zip", "application/x-rar", "application/vnd.rar", "application/x-7z")


class DownloadError(Exception):
    """The bot could not download a file: ``too_big`` (over the limit bots may download) or ``failed``."""

    def __init__(self, code: Literal["too_big", "failed"], detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


class FileSource(Protocol):
    """Where files sent to the bot come from (the Bot API's getFile and file download)."""

    async def download(self, file_id: str) -> bytes: ...


@dataclass(frozen=True)
class Target:
    """What an uploaded file would be kept for: the indicator of a period, or a revision's correction."""

    period: Period
    pack: Pack
    number: int
    replacing: EvidenceReplace | None = None


def is_evidence(upload: Upload) -> bool:
    return upload.kind in KINDS and bool(upload.file_id and upload.file_unique_id)


def extension(name: str | None) -> str | None:
    if not name or "." not in name.strip(". "):
        return None
    return name.rsplit(".", 1)[-1].lower()


def accepted_type(upload: Upload) -> bool:
    if upload.kind == "photo":
        return True
    ext = extension(upload.file_name)
    if ext is not None:
        return ext in EXTENSIONS
    return upload.mime is None or upload.mime.lower().startswith(MIME_PREFIXES)


async def target(turn: Turn) -> Target:
    """The indicator the file would support; refuses (nothing stored) when it cannot be kept: no card
    open, not a member, a final answer, a kind of file the register does not take, over 20 MB."""
    upload = turn.event
    assert isinstance(upload, Upload)
    step = turn.position.step
    replacing = step if isinstance(step, EvidenceReplace) else None
    period_id: int | None = turn.position.period_id
    number: int | None = turn.position.indicator
    if isinstance(step, Explanation | ExplanationCheck | EvidenceReplace):
        period_id, number = step.period_id, step.indicator
    period = await turn.tx.periods.get(period_id) if period_id else None
    if period is None or number is None:
        raise Refusal("evidence_needs_card")
    await access.membership(turn, period.institution_id)
    answer = await turn.tx.answers.get(period.id, number)
    if answer is not None and answer.status == AnswerStatus.FINAL:
        raise Refusal("locked", number=number)
    if not accepted_type(upload):
        raise Refusal("evidence_type_refused", extension=extension(upload.file_name) or upload.mime or "?", limit=LIMIT_MB)
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise Refusal("evidence_too_big", size=upload.size, limit=LIMIT_MB)
    return Target(period, turn.packs.get(period.framework), number, replacing)


async def wanted(turn: Turn) -> bool:
    """Whether the engine should download the uploaded file before the transaction: it would be
    kept, and the institution does not hold it already (Telegram's unique id says so)."""
    upload = turn.event
    if not isinstance(upload, Upload) or not is_evidence(upload) or not turn.event.chat.private or turn.state not in EVIDENCE_STATES:
        return False
    try:
        found = await target(turn)
    except Refusal:
        return False
    held = await turn.tx.evidence.find(found.period.institution_id, file_unique_id=upload.file_unique_id)
    return held is None or held.sha256 is None


async def receive(turn: Turn) -> Outcome:
    """A file sent in private chat: kept as evidence when it is a document or photo."""
    upload = turn.event
    assert isinstance(upload, Upload)
    if not is_evidence(upload):
        if turn.state in {State.EXPLANATION, State.EXPLANATION_CHECK}:
            return Outcome([short("need_text", what="penjelasan")])
        return Outcome([short("upload_not_supported", kind=upload.kind)])
    return await keep(turn, await target(turn), upload)


def _fetch_refusal(upload: Upload) -> Refusal:
    if upload.fetch_error == "too_big":
        return Refusal("evidence_too_big", size=upload.size, limit=LIMIT_MB)
    if upload.fetch_error in ("full", "unavailable"):
        return Refusal("not_saved")
    return Refusal("evidence_download_failed")


async def keep(turn: Turn, found: Target, upload: Upload) -> Outcome:
    """Register the file (once per institution) and link it to the indicator; a correction also
    closes the revision it answers and tells the reviewer."""
    period, number = found.period, found.number
    institution_id = period.institution_id
    held = await turn.tx.evidence.find(institution_id, sha256=upload.sha256, file_unique_id=upload.file_unique_id)
    if (held is None or held.sha256 is None) and upload.sha256 is None:
        raise _fetch_refusal(upload)
    assert upload.file_id and upload.file_unique_id
    caption = (upload.caption or "")[:CAPTION_LIMIT] or None
    ref = documents.reference(caption)
    if ref.empty:
        ref = documents.reference(upload.file_name)
    item = await turn.tx.evidence.add(
        institution_id=institution_id, file_id=upload.file_id, file_unique_id=upload.file_unique_id, kind=upload.kind,
        uploaded_by=turn.user_id, sha256=upload.sha256, file_name=upload.file_name, size=upload.stored_size or upload.size,
        caption=caption, mime=upload.mime, doc_number=ref.number, doc_year=ref.year, doc_date=ref.day,
    )
    repeated = held is not None and held.sha256 is not None
    before = await turn.tx.evidence.get_link(item.id, period.id, number)
    answer = await turn.tx.answers.get(period.id, number)
    level = claimed_level(found.pack, answer.level) if answer else None
    outcome = Outcome()
    if found.replacing is not None:
        outcome = await _correction(turn, found, found.replacing, item)
    else:
        await turn.tx.evidence.link(item.id, period.id, number, by=turn.user_id, level=level)
    files = await turn.tx.evidence.for_answer(period.id, number)
    supported = {link.indicator for link in await turn.tx.evidence.links(period.id, evidence_id=item.id)}
    return outcome.add(kept_reply(turn, found, item, supported, repeated=repeated, linked_before=before is not None, count=len(files),
                                  read_from_caption=not ref.empty and (item.doc_number, item.doc_year) == (ref.number, ref.year)))


async def _correction(turn: Turn, found: Target, step: EvidenceReplace, item: Evidence) -> Outcome:
    old = await turn.tx.evidence.get_link(step.evidence_id, found.period.id, step.indicator)
    if old is None or old.review is not ReviewStatus.REVISION:
        raise Refusal("revision_closed", leave=True)
    if item.id == step.evidence_id:
        raise Refusal("revision_same_file")
    previous = await turn.tx.evidence.require(step.evidence_id)
    await turn.tx.evidence.link(item.id, found.period.id, step.indicator, by=turn.user_id, level=old.level)
    await turn.tx.evidence.replace(step.evidence_id, found.period.id, step.indicator, item.id, by=turn.user_id)
    turn.leave()
    outcome = Outcome()
    if old.reviewed_by is not None and old.reviewed_by != turn.user_id:
        reviewer = await turn.tx.members.get(found.period.institution_id, old.reviewed_by)
        if reviewer is not None and reviewer.active:
            data = cb.make("rv", found.period.id, item.id, step.indicator)
            review = Button("review", data, {"code": item.label, "number": step.indicator})
            outcome.add(Reply("short:revision_sent_to_reviewer", {
                "sender": turn.event.user.name, "new": item.label, "old": previous.label, "number": step.indicator,
            }, [[review]], chat_id=reviewer.user_id, lang=reviewer.language))
    return outcome


def described(item: Evidence) -> str:
    """What an item's own words say about it (title, file name, caption): what suggestions read."""
    return " ".join(t for t in (item.title, item.file_name, item.caption) if t)


def kept_reply(turn: Turn, found: Target, item: Evidence, supported: set[int], *, repeated: bool, linked_before: bool, count: int,
               read_from_caption: bool) -> Reply:
    """What was kept, for which indicator, what the caption told, the limits; buttons to name it,
    give its number and date, and link it to the indicators it likely supports too."""
    pack, period = found.pack, found.period
    suggestions = [pack.indicator(s.indicator) for s in documents.suggest(pack, described(item), supported | {found.number})]
    waiting = isinstance(turn.position.step, Explanation | ExplanationCheck)
    buttons = [
        [Button("evidence_link_to", cb.make("ba", period.id, item.id, ind.number), {"number": ind.number}) for ind in suggestions],
        [Button("evidence_title", cb.make("bt", period.id, item.id)), Button("evidence_document", cb.make("bn", period.id, item.id))],
        [Button("checklist", cb.make("cl", period.id, found.number, "c")), Button("evidence_open", cb.make("bi", period.id, item.id),
                                                                               {"code": item.label})],
    ]
    return Reply("evidence_kept", {
        "pack": pack, "item": item, "ind": pack.indicator(found.number), "count": count, "repeated": repeated,
        "linked_before": linked_before, "read_from_caption": read_from_caption, "suggestions": suggestions, "waiting": waiting,
        "replaced": found.replacing, "limit": LIMIT_MB,
    }, [row for row in buttons if row])
