"""The evidence register (items, the indicators they support, their review) and the checklists, on PostgreSQL.

A new item takes the next code of its institution (B-001, B-002...): the institution's row is
locked first (``FOR NO KEY UPDATE``, which the foreign keys of other writes do not wait for), so
two replicas registering files of one institution at once take turns, and the second finds the
code taken, or the file registered already. A review locks its link, so verdicts and corrections
of one item are recorded in the order they were given.
"""

from __future__ import annotations

import builtins
from datetime import date

from storage import rows, rules
from storage.errors import Conflict, InvalidInput, NotFound
from storage.models import CheckStatus, Evidence, EvidenceCheck, EvidenceLink, ReviewAction, ReviewRecord, ReviewStatus
from storage.postgres.base import Repository
from storage.postgres.evaluations import PeriodRepository


class EvidenceRepository(Repository):
    async def add(self, *, institution_id: int, file_id: str, file_unique_id: str, kind: str, uploaded_by: int,
                  sha256: str | None = None, file_name: str | None = None, size: int | None = None, caption: str | None = None,
                  mime: str | None = None, title: str | None = None, doc_number: str | None = None, doc_year: int | None = None,
                  doc_date: date | None = None) -> Evidence:
        """Register a file, or give the item that has it already: one file is one item per institution,
        found by its hash or by Telegram's unique id. An item registered before files were kept gets
        its hash (and so its stored file) when it is sent again."""
        if await self._value("SELECT id FROM institutions WHERE id = %s FOR NO KEY UPDATE", (institution_id,)) is None:
            raise NotFound(f"institution {institution_id} does not exist")
        existing = await self.find(institution_id, sha256=sha256, file_unique_id=file_unique_id)
        if existing is not None:
            if existing.sha256 is None and sha256 is not None:
                row = await self._one("UPDATE evidence SET sha256 = %s, size = %s, mime = COALESCE(mime, %s) WHERE id = %s RETURNING *",
                                      (sha256, size, mime, existing.id))
                assert row is not None
                return rows.evidence(row)
            return existing
        row = await self._one(
            """INSERT INTO evidence (institution_id, code, title, file_id, file_unique_id, sha256, file_name, kind, mime, size, caption,
                                     doc_number, doc_year, doc_date, uploaded_by, uploaded_at)
               SELECT %s, COALESCE(MAX(code), 0) + 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s
               FROM evidence WHERE institution_id = %s
               RETURNING *""",
            (institution_id, rules.default_title(title, caption, file_name), file_id, file_unique_id, sha256, file_name, kind, mime,
             size, caption, rules.doc_number_cut(doc_number), doc_year, doc_date, uploaded_by, self._clock(), institution_id),
        )
        assert row is not None
        return rows.evidence(row)

    async def find(self, institution_id: int, *, sha256: str | None = None, file_unique_id: str | None = None) -> Evidence | None:
        """The institution's item holding this file (by hash first, then by Telegram's unique id)."""
        if sha256 is not None:
            row = await self._one("SELECT * FROM evidence WHERE institution_id = %s AND sha256 = %s", (institution_id, sha256))
            if row is not None:
                return rows.evidence(row)
        if file_unique_id is not None:
            row = await self._one("SELECT * FROM evidence WHERE institution_id = %s AND file_unique_id = %s ORDER BY code LIMIT 1",
                                  (institution_id, file_unique_id))
            if row is not None:
                return rows.evidence(row)
        return None

    async def get(self, evidence_id: int) -> Evidence | None:
        row = await self._one("SELECT * FROM evidence WHERE id = %s", (evidence_id,))
        return rows.evidence(row) if row else None

    async def require(self, evidence_id: int) -> Evidence:
        found = await self.get(evidence_id)
        if found is None:
            raise NotFound(f"evidence {evidence_id} does not exist")
        return found

    async def by_code(self, institution_id: int, code: int) -> Evidence | None:
        row = await self._one("SELECT * FROM evidence WHERE institution_id = %s AND code = %s", (institution_id, code))
        return rows.evidence(row) if row else None

    async def register(self, institution_id: int) -> list[Evidence]:
        found = await self._all("SELECT * FROM evidence WHERE institution_id = %s ORDER BY code", (institution_id,))
        return [rows.evidence(r) for r in found]

    async def set_title(self, evidence_id: int, title: str) -> Evidence:
        return await self._update(evidence_id, "title = %s", (rules.evidence_title(title),))

    async def set_document(self, evidence_id: int, number: str | None, year: int | None, day: date | None) -> Evidence:
        """The document's own number and date (a year alone when that is all it says)."""
        await self.require(evidence_id)
        return await self._update(evidence_id, "doc_number = %s, doc_year = %s, doc_date = %s", rules.document(number, year, day))

    async def _update(self, evidence_id: int, assignments: str, values: tuple[object, ...]) -> Evidence:
        row = await self._one(f"UPDATE evidence SET {assignments} WHERE id = %s RETURNING *", (*values, evidence_id))
        if row is None:
            raise NotFound(f"evidence {evidence_id} does not exist")
        return rows.evidence(row)

    # --- what each item supports ------------------------------------------------------------

    async def link(self, evidence_id: int, period_id: int, indicator: int, by: int, level: int | None = None) -> EvidenceLink:
        """The item supports ``indicator`` of the period (at ``level``, the level claimed when sent).
        Linking again keeps the link and its review."""
        period = await PeriodRepository(self._link, self._clock).shape(period_id)
        rules.same_institution((await self.require(evidence_id)).institution_id, evidence_id, period, indicator)
        await self._execute(
            """INSERT INTO evidence_links (evidence_id, period_id, indicator, level, linked_by, linked_at)
               VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
            (evidence_id, period_id, indicator, level, by, self._clock()),
        )
        return await self.require_link(evidence_id, period_id, indicator)

    async def get_link(self, evidence_id: int, period_id: int, indicator: int) -> EvidenceLink | None:
        return await self._link_row(evidence_id, period_id, indicator, "")

    async def _link_row(self, evidence_id: int, period_id: int, indicator: int, lock: str) -> EvidenceLink | None:
        row = await self._one(f"SELECT * FROM evidence_links WHERE evidence_id = %s AND period_id = %s AND indicator = %s{lock}",
                              (evidence_id, period_id, indicator))
        return rows.evidence_link(row) if row else None

    async def require_link(self, evidence_id: int, period_id: int, indicator: int, *, lock: bool = False) -> EvidenceLink:
        link = await self._link_row(evidence_id, period_id, indicator, " FOR UPDATE" if lock else "")
        if link is None:
            raise NotFound(f"evidence {evidence_id} does not support indicator {indicator} of period {period_id}")
        return link

    async def links(self, period_id: int, *, indicator: int | None = None, evidence_id: int | None = None) -> list[EvidenceLink]:
        found = await self._all(
            """SELECT * FROM evidence_links WHERE period_id = %s AND (%s::integer IS NULL OR indicator = %s)
               AND (%s::bigint IS NULL OR evidence_id = %s) ORDER BY indicator, linked_at, evidence_id""",
            (period_id, indicator, indicator, evidence_id, evidence_id),
        )
        return [rows.evidence_link(r) for r in found]

    async def for_answer(self, period_id: int, indicator: int) -> list[Evidence]:
        found = await self._all(
            """SELECT e.* FROM evidence e JOIN evidence_links l ON l.evidence_id = e.id
               WHERE l.period_id = %s AND l.indicator = %s ORDER BY l.linked_at, e.code""",
            (period_id, indicator),
        )
        return [rows.evidence(r) for r in found]

    async def uses(self, evidence_id: int) -> list[tuple[int, int]]:
        """(period_id, indicator) of every answer the document supports."""
        found = await self._all(
            "SELECT period_id, indicator FROM evidence_links WHERE evidence_id = %s ORDER BY period_id, indicator", (evidence_id,)
        )
        return [(r["period_id"], r["indicator"]) for r in found]

    # --- the internal review ------------------------------------------------------------------

    async def review(self, evidence_id: int, period_id: int, indicator: int, verdict: ReviewStatus | str, note: str | None,
                     by: int) -> EvidenceLink:
        """A lead's verdict on the item for this indicator: accepted, revision or rejected (the last
        two need a note for the sender); kept on the link and appended to the review history."""
        status = rules.verdict(verdict)
        text = rules.review_note(note, required=status is not ReviewStatus.ACCEPTED)
        await self.require_link(evidence_id, period_id, indicator, lock=True)
        now = self._clock()
        row = await self._one(
            """UPDATE evidence_links SET review = %s, review_note = %s, reviewed_by = %s, reviewed_at = %s, replaced_by = NULL
               WHERE evidence_id = %s AND period_id = %s AND indicator = %s RETURNING *""",
            (status.value, text, by, now, evidence_id, period_id, indicator),
        )
        assert row is not None
        await self._history(evidence_id, period_id, indicator, rules.VERDICTS[status], text, None, by)
        return rows.evidence_link(row)

    async def replace(self, evidence_id: int, period_id: int, indicator: int, new_id: int, by: int) -> EvidenceLink:
        """A corrected file (``new_id``, linked to the indicator already) answers the revision of
        ``evidence_id``: the old link is marked replaced, and the history says who sent what."""
        old = await self.require_link(evidence_id, period_id, indicator, lock=True)
        await self.require_link(new_id, period_id, indicator)
        if old.review is not ReviewStatus.REVISION:
            raise InvalidInput(f"evidence {evidence_id} has no open revision for indicator {indicator}")
        row = await self._one(
            """UPDATE evidence_links SET review = 'replaced', replaced_by = %s WHERE evidence_id = %s AND period_id = %s AND indicator = %s
               RETURNING *""",
            (new_id, evidence_id, period_id, indicator),
        )
        assert row is not None
        await self._history(evidence_id, period_id, indicator, ReviewAction.RESUBMITTED, None, new_id, by)
        return rows.evidence_link(row)

    async def _history(self, evidence_id: int, period_id: int, indicator: int, action: ReviewAction, note: str | None,
                       other_id: int | None, by: int) -> None:
        await self._execute(
            """INSERT INTO evidence_reviews (evidence_id, period_id, indicator, action, note, other_id, by_user, at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            (evidence_id, period_id, indicator, action.value, note, other_id, by, self._clock()),
        )

    async def reviews(self, period_id: int, indicator: int | None = None) -> builtins.list[ReviewRecord]:
        found = await self._all(
            "SELECT * FROM evidence_reviews WHERE period_id = %s AND (%s::integer IS NULL OR indicator = %s) ORDER BY id",
            (period_id, indicator, indicator))
        return [rows.review(r) for r in found]

    # --- the stored files -----------------------------------------------------------------------

    async def stored_files(self) -> set[str]:
        """The hash of every file some item names, in every institution (what the sweep keeps)."""
        return {str(r["sha256"]) for r in await self._all("SELECT DISTINCT sha256 FROM evidence WHERE sha256 IS NOT NULL")}

    async def attach_file(self, evidence_id: int, sha256: str, size: int) -> Evidence:
        """Give an item sent before files were kept its stored file. Raises :class:`Conflict` when
        another item of the institution holds the same file already (the two are one document)."""
        item = await self.require(evidence_id)
        if item.sha256 is not None:
            return item
        await self._value("SELECT id FROM institutions WHERE id = %s FOR NO KEY UPDATE", (item.institution_id,))
        other = await self.find(item.institution_id, sha256=sha256)
        if other is not None:
            raise Conflict(f"evidence {evidence_id} is the same file as {other.label}", code="duplicate")
        return await self._update(evidence_id, "sha256 = %s, size = %s", (sha256, size))

    async def without_file(self) -> builtins.list[Evidence]:
        """Items sent before files were kept: only Telegram's file id is known."""
        return [rows.evidence(r) for r in await self._all("SELECT * FROM evidence WHERE sha256 IS NULL ORDER BY id")]


class ChecklistRepository(Repository):
    """Expected evidence items ticked per indicator: present, missing or not relevant, and the
    register items that show each one. Items are named by the level whose list holds them and their
    place in it (the lists are the pack's; storage does not read packs)."""

    async def tick(self, period_id: int, indicator: int, level: int, item: int, *, status: CheckStatus | str, item_text: str, by: int,
                   by_lead: bool = False) -> EvidenceCheck:
        rules.check_place(await PeriodRepository(self._link, self._clock).shape(period_id), indicator, level, item)
        await self._execute(
            """INSERT INTO evidence_checks (period_id, indicator, level, item, status, item_text, by_user, by_lead, at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (period_id, indicator, level, item) DO UPDATE SET status = excluded.status, item_text = excluded.item_text,
                   by_user = excluded.by_user, by_lead = excluded.by_lead, at = excluded.at""",
            (period_id, indicator, level, item, CheckStatus(status).value, item_text, by, by_lead, self._clock()),
        )
        found = await self._get(period_id, indicator, level, item)
        assert found is not None
        return found

    async def attach(self, period_id: int, indicator: int, level: int, item: int, evidence_id: int, *, attached: bool, item_text: str,
                     by: int, by_lead: bool = False) -> EvidenceCheck | None:
        """Show (``attached``) or stop showing the item with a register item that supports the
        indicator. An item shown by a file is present, unless it was ticked otherwise already."""
        rules.check_place(await PeriodRepository(self._link, self._clock).shape(period_id), indicator, level, item)
        linked = await self._value("SELECT 1 FROM evidence_links WHERE evidence_id = %s AND period_id = %s AND indicator = %s",
                                   (evidence_id, period_id, indicator))
        if linked is None:
            raise InvalidInput(f"evidence {evidence_id} does not support indicator {indicator} of period {period_id}")
        key = (period_id, indicator, level, item)
        if attached:
            await self._execute(
                """INSERT INTO evidence_checks (period_id, indicator, level, item, status, item_text, by_user, by_lead, at)
                   VALUES (%s, %s, %s, %s, 'present', %s, %s, %s, %s) ON CONFLICT (period_id, indicator, level, item) DO NOTHING""",
                (*key, item_text, by, by_lead, self._clock()),
            )
            await self._execute(
                """INSERT INTO evidence_check_links (period_id, indicator, level, item, evidence_id, linked_by, linked_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
                (*key, evidence_id, by, self._clock()),
            )
        else:
            await self._execute(
                """DELETE FROM evidence_check_links
                   WHERE period_id = %s AND indicator = %s AND level = %s AND item = %s AND evidence_id = %s""",
                (*key, evidence_id),
            )
        return await self._get(*key)  # None: detached from an item never ticked

    async def _get(self, period_id: int, indicator: int, level: int, item: int) -> EvidenceCheck | None:
        checks = await self._select("level = %s AND item = %s", period_id, indicator, (level, item))
        return checks[0] if checks else None

    async def for_period(self, period_id: int, indicator: int | None = None) -> list[EvidenceCheck]:
        """Every ticked item of the period (of one indicator), with the register items attached."""
        return await self._select("TRUE", period_id, indicator, ())

    async def _select(self, where: str, period_id: int, indicator: int | None, params: tuple[int, ...]) -> list[EvidenceCheck]:
        condition = f"period_id = %s AND (%s::integer IS NULL OR indicator = %s) AND {where}"
        values = (period_id, indicator, indicator, *params)
        attached: dict[tuple[int, int, int], list[int]] = {}
        for row in await self._all(f"SELECT * FROM evidence_check_links WHERE {condition} ORDER BY linked_at, evidence_id", values):
            attached.setdefault((row["indicator"], row["level"], row["item"]), []).append(row["evidence_id"])
        found = await self._all(f"SELECT * FROM evidence_checks WHERE {condition} ORDER BY indicator, level, item", values)
        return [rows.evidence_check(r, attached.get((r["indicator"], r["level"], r["item"]), [])) for r in found]
