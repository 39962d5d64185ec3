-- 0006: the evidence register, checklists per level and the internal review.
--
-- Each evidence item now names its stored file (sha256: the file kept in the evidence store, see
-- storage/files; NULL for items sent before this migration, of which only Telegram's file_id is
-- known), carries a code per institution (B-001: code 1), an editable title (NULL: none given, a
-- photo without a caption), and the number and
-- date of the document it is (a decree's "No. 12 Tahun 2023": number 12, year 2023).
ALTER TABLE evidence ADD COLUMN sha256 TEXT;
ALTER TABLE evidence ADD COLUMN code INTEGER;
ALTER TABLE evidence ADD COLUMN title TEXT;
ALTER TABLE evidence ADD COLUMN doc_number TEXT;
ALTER TABLE evidence ADD COLUMN doc_year INTEGER;
ALTER TABLE evidence ADD COLUMN doc_date TEXT;
ALTER TABLE evidence ADD COLUMN mime TEXT;
UPDATE evidence SET code = (SELECT COUNT(*) FROM evidence AS earlier
                            WHERE earlier.institution_id = evidence.institution_id AND earlier.id <= evidence.id),
                    title = COALESCE(caption, file_name);
CREATE UNIQUE INDEX evidence_code ON evidence(institution_id, code);
CREATE UNIQUE INDEX evidence_content ON evidence(institution_id, sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX evidence_by_file ON evidence(sha256);

-- A link says which indicator (of a period) an item supports and at what level it was sent, and
-- carries the item's internal review for that indicator: pending, accepted, revision (with a
-- note), rejected (with a note), or replaced (a corrected file answered a revision: replaced_by).
ALTER TABLE evidence_links ADD COLUMN level INTEGER;
ALTER TABLE evidence_links ADD COLUMN review TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE evidence_links ADD COLUMN review_note TEXT;
ALTER TABLE evidence_links ADD COLUMN reviewed_by INTEGER;
ALTER TABLE evidence_links ADD COLUMN reviewed_at TEXT;
ALTER TABLE evidence_links ADD COLUMN replaced_by INTEGER REFERENCES evidence(id);
CREATE INDEX evidence_links_by_review ON evidence_links(period_id, review);

-- Every review action, never changed: the verdicts, and a corrected file sent for a revision.
CREATE TABLE evidence_reviews (
    id           INTEGER PRIMARY KEY,
    evidence_id  INTEGER NOT NULL REFERENCES evidence(id),
    period_id    INTEGER NOT NULL REFERENCES periods(id),
    indicator    INTEGER NOT NULL,
    action       TEXT NOT NULL,
    note         TEXT,
    other_id     INTEGER REFERENCES evidence(id),
    by_user      INTEGER NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX evidence_reviews_by_answer ON evidence_reviews(period_id, indicator);

-- The checklist: one row per expected evidence item the officer ticked, keyed by the level whose
-- list it comes from (-1: the indicator's own list, in packs without lists per level) and its
-- place in that list; the text is kept as it was when ticked. by_lead: ticked by a koordinator or
-- penanggung jawab (only their "not relevant" counts for the index of accepted evidence).
CREATE TABLE evidence_checks (
    period_id  INTEGER NOT NULL REFERENCES periods(id),
    indicator  INTEGER NOT NULL,
    level      INTEGER NOT NULL,
    item       INTEGER NOT NULL,
    status     TEXT NOT NULL,
    item_text  TEXT NOT NULL,
    by_user    INTEGER NOT NULL,
    by_lead    INTEGER NOT NULL DEFAULT 0,
    at         TEXT NOT NULL,
    PRIMARY KEY (period_id, indicator, level, item)
);

CREATE TABLE evidence_check_links (
    period_id    INTEGER NOT NULL REFERENCES periods(id),
    indicator    INTEGER NOT NULL,
    level        INTEGER NOT NULL,
    item         INTEGER NOT NULL,
    evidence_id  INTEGER NOT NULL REFERENCES evidence(id),
    linked_by    INTEGER NOT NULL,
    linked_at    TEXT NOT NULL,
    PRIMARY KEY (period_id, indicator, level, item, evidence_id)
);
