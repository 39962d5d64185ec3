-- 0007: what several replicas of the bot share through the database (docs/bot.md, "Replicas").
--
-- The outbox gets an id of its own, the order its parts were written (the order a chat's parts are
-- sent), and parts that no update caused: a reminder's messages have no update id. PostgreSQL:
--   ALTER TABLE outbox ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY, DROP CONSTRAINT outbox_pkey,
--   ADD PRIMARY KEY (id), ALTER COLUMN update_id DROP NOT NULL, ADD UNIQUE (bot_id, update_id, part)
-- (NULL update ids never conflict there either).
--
-- replicas: each running process in webhook mode writes its heartbeat; a holder whose heartbeat is
-- older than the replica timeout is gone, and what it held (chat lanes, update turns) is free.
-- chat_lanes: which replica sends a chat's outbox parts; one at a time per chat, so a chat's messages
-- keep their order and a group's pace is kept by one process. update_turns: the updates a replica is
-- handling, by the user and chat they concern; an update waits for earlier ones of its user and chat
-- that are in flight on a live replica. group_links.summary_shown_at: when a group's summary was last
-- refreshed after a change, the pace every replica keeps.

CREATE TABLE outbox_by_id (
    id          INTEGER PRIMARY KEY,
    bot_id      INTEGER NOT NULL,
    update_id   INTEGER,
    part        INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    UNIQUE (bot_id, update_id, part)
);
INSERT INTO outbox_by_id (bot_id, update_id, part, chat_id, document, created_at, sent_at)
    SELECT bot_id, update_id, part, chat_id, document, created_at, sent_at FROM outbox ORDER BY created_at, update_id, part;
DROP TABLE outbox;
ALTER TABLE outbox_by_id RENAME TO outbox;
CREATE INDEX outbox_unsent ON outbox(bot_id, chat_id, id) WHERE part > 0 AND sent_at IS NULL;
CREATE INDEX outbox_by_time ON outbox(created_at);

CREATE TABLE replicas (
    holder      TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    seen_at     TEXT NOT NULL
);

CREATE TABLE chat_lanes (
    bot_id    INTEGER NOT NULL,
    chat_id   INTEGER NOT NULL,
    holder    TEXT NOT NULL,
    taken_at  TEXT NOT NULL,
    PRIMARY KEY (bot_id, chat_id)
);
CREATE INDEX chat_lanes_by_holder ON chat_lanes(holder);

CREATE TABLE update_turns (
    bot_id     INTEGER NOT NULL,
    turn_key   TEXT NOT NULL,
    update_id  INTEGER NOT NULL,
    holder     TEXT NOT NULL,
    PRIMARY KEY (bot_id, turn_key, update_id)
);
CREATE INDEX update_turns_by_holder ON update_turns(holder, bot_id, update_id);

ALTER TABLE group_links ADD COLUMN summary_shown_at TEXT;
