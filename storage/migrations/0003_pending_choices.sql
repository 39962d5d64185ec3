-- 0003: the parameters behind a pick list (a /tugaskan without a named member offers the team as
-- buttons; each button names this row, so a press applies the list of the message pressed).

CREATE TABLE pending_assignments (
    id          INTEGER PRIMARY KEY,
    period_id   INTEGER NOT NULL REFERENCES periods(id),
    indicators  TEXT NOT NULL,
    due_on      TEXT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    used_at     TEXT
);
