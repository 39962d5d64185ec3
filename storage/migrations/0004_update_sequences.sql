-- 0004: processed updates per bot, and each bot's current update id sequence. Telegram numbers the
-- updates of each bot one after another, but starts anew (at a random id) after a week without
-- updates, and a new token may start anew too: an update id names an update only within its bot's
-- current sequence (storage/sqlite/state.py, UpdateRepository.claim). update_key is what else
-- identifies the update (its chat and message id, or its callback query id), when known. Rows from
-- before this migration get bot id 0; the first bot to claim an update adopts them.

CREATE TABLE processed_updates_by_bot (
    bot_id        INTEGER NOT NULL,
    update_id     INTEGER NOT NULL,
    update_key    TEXT,
    processed_at  TEXT NOT NULL,
    PRIMARY KEY (bot_id, update_id)
);
INSERT INTO processed_updates_by_bot (bot_id, update_id, processed_at) SELECT 0, update_id, processed_at FROM processed_updates;
DROP TABLE processed_updates;
ALTER TABLE processed_updates_by_bot RENAME TO processed_updates;
CREATE INDEX processed_updates_by_time ON processed_updates(bot_id, processed_at);

CREATE TABLE update_sequences (
    bot_id           INTEGER PRIMARY KEY,
    started_at       TEXT NOT NULL,
    first_id         INTEGER NOT NULL,
    highest_id       INTEGER NOT NULL,
    last_claimed_at  TEXT NOT NULL,
    restarts         INTEGER NOT NULL DEFAULT 0
);
