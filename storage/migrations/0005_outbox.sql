-- 0005: what the bot sends for an update, kept in the transaction that handled it (see docs/bot.md,
-- "The update pipeline"). Part 0 is what the update's own handler delivers (the callback answer, the
-- messages in a private chat): it is read again only when Telegram redelivers the update, because the
-- process stopped before the update was confirmed. Parts 1.. go to one chat each through the outbox
-- (a group's messages, paced by Telegram; messages to other chats); sent_at marks them delivered, and
-- those still unsent are sent when the bot starts. Rows are per bot, as update ids are (0004); when a
-- bot's update id sequence starts anew, the rows of the old sequence that only served redeliveries
-- go (storage/sqlite/state.py).

CREATE TABLE outbox (
    bot_id      INTEGER NOT NULL,
    update_id   INTEGER NOT NULL,
    part        INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    PRIMARY KEY (bot_id, update_id, part)
);
CREATE INDEX outbox_unsent ON outbox(bot_id, update_id) WHERE part > 0 AND sent_at IS NULL;
CREATE INDEX outbox_by_time ON outbox(created_at);
