-- 0008: the improvement plan (rencana aksi) of a period: the target a lead set (an index, or a
-- predicate with its band's lower bound, and the year it is wanted by) and the plan's items, one
-- per indicator: the level it is to reach, its owner and its due date. Levels are integer
-- hundredths, as in answers.

CREATE TABLE plan_targets (
    period_id    INTEGER PRIMARY KEY REFERENCES periods(id),
    kind         TEXT NOT NULL CHECK (kind IN ('index', 'predicate')),
    value_x100   INTEGER NOT NULL,
    predicate    TEXT,
    year         INTEGER NOT NULL,
    set_by       INTEGER NOT NULL,
    set_at       TEXT NOT NULL
);

CREATE TABLE plan_items (
    period_id        INTEGER NOT NULL REFERENCES periods(id),
    indicator        INTEGER NOT NULL,
    from_level_x100  INTEGER NOT NULL,
    to_level_x100    INTEGER NOT NULL,
    owner_id         INTEGER,
    due_on           TEXT,
    created_by       INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_by       INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (period_id, indicator),
    CHECK (to_level_x100 > from_level_x100)
);
CREATE INDEX plan_items_by_owner ON plan_items(owner_id, period_id);
