-- 0001: the evaluation records. Times are ISO-8601 UTC text; levels are integer hundredths
-- (level 3 = 300, 1.26 = 126) so fractional values round-trip exactly.

CREATE TABLE institutions (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('kementerian', 'lembaga', 'provinsi', 'kabupaten', 'kota')),
    region      TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE members (
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    user_id         INTEGER NOT NULL,
    display_name    TEXT NOT NULL,
    language        TEXT NOT NULL DEFAULT 'id',
    role            TEXT NOT NULL CHECK (role IN ('koordinator', 'penanggung_jawab', 'officer')),
    active          INTEGER NOT NULL DEFAULT 1,
    joined_at       TEXT NOT NULL,
    removed_at      TEXT,
    PRIMARY KEY (institution_id, user_id)
);
CREATE INDEX members_by_user ON members(user_id);

CREATE TABLE invitations (
    code            TEXT PRIMARY KEY,
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    role            TEXT NOT NULL CHECK (role IN ('koordinator', 'penanggung_jawab', 'officer')),
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    max_uses        INTEGER NOT NULL DEFAULT 1 CHECK (max_uses >= 1),
    uses            INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE periods (
    id                   INTEGER PRIMARY KEY,
    institution_id       INTEGER NOT NULL REFERENCES institutions(id),
    year                 INTEGER NOT NULL,
    framework            TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted', 'closed')),
    level_min            INTEGER NOT NULL,
    level_max            INTEGER NOT NULL,
    fractional           INTEGER NOT NULL DEFAULT 0,
    indicator_count      INTEGER NOT NULL,
    require_explanation  INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    UNIQUE (institution_id, year)
);

CREATE TABLE period_stages (
    period_id  INTEGER NOT NULL REFERENCES periods(id),
    stage      TEXT NOT NULL CHECK (stage IN ('penilaian_mandiri', 'penilaian_dokumen', 'interviu', 'visitasi')),
    starts_on  TEXT,
    ends_on    TEXT,
    PRIMARY KEY (period_id, stage)
);

CREATE TABLE answers (
    period_id    INTEGER NOT NULL REFERENCES periods(id),
    indicator    INTEGER NOT NULL,
    level_x100   INTEGER NOT NULL,
    explanation  TEXT,
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),
    answered_by  INTEGER NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (period_id, indicator)
);

CREATE TABLE answer_history (
    id               INTEGER PRIMARY KEY,
    period_id        INTEGER NOT NULL REFERENCES periods(id),
    indicator        INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('answer', 'edit', 'lock', 'reopen')),
    old_level_x100   INTEGER,
    new_level_x100   INTEGER,
    old_explanation  TEXT,
    new_explanation  TEXT,
    by_user          INTEGER NOT NULL,
    at               TEXT NOT NULL,
    reason           TEXT
);
CREATE INDEX answer_history_by_answer ON answer_history(period_id, indicator, id);

CREATE TABLE evidence (
    id              INTEGER PRIMARY KEY,
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_name       TEXT,
    kind            TEXT NOT NULL,
    size            INTEGER,
    caption         TEXT,
    uploaded_by     INTEGER NOT NULL,
    uploaded_at     TEXT NOT NULL,
    UNIQUE (institution_id, file_unique_id)
);

CREATE TABLE evidence_links (
    evidence_id  INTEGER NOT NULL REFERENCES evidence(id),
    period_id    INTEGER NOT NULL REFERENCES periods(id),
    indicator    INTEGER NOT NULL,
    linked_by    INTEGER NOT NULL,
    linked_at    TEXT NOT NULL,
    PRIMARY KEY (evidence_id, period_id, indicator)
);
CREATE INDEX evidence_links_by_answer ON evidence_links(period_id, indicator);

CREATE TABLE group_links (
    chat_id             INTEGER PRIMARY KEY,
    institution_id      INTEGER NOT NULL REFERENCES institutions(id),
    title               TEXT,
    summary_message_id  INTEGER,
    linked_by           INTEGER NOT NULL,
    linked_at           TEXT NOT NULL
);
CREATE INDEX group_links_by_institution ON group_links(institution_id);

CREATE TABLE assignments (
    period_id    INTEGER NOT NULL REFERENCES periods(id),
    indicator    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    assigned_by  INTEGER NOT NULL,
    assigned_at  TEXT NOT NULL,
    due_on       TEXT,
    PRIMARY KEY (period_id, indicator)
);
CREATE INDEX assignments_by_user ON assignments(user_id, period_id);

CREATE TABLE reminder_schedules (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    chat_id         INTEGER,
    hour            INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    minute          INTEGER NOT NULL DEFAULT 0 CHECK (minute BETWEEN 0 AND 59),
    timezone        TEXT NOT NULL DEFAULT 'Asia/Jakarta',
    enabled         INTEGER NOT NULL DEFAULT 1,
    last_sent_at    TEXT
);

CREATE TABLE positions (
    user_id     INTEGER PRIMARY KEY,
    document    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);
CREATE INDEX processed_updates_by_time ON processed_updates(processed_at);
