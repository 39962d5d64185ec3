-- 0002: members' Telegram usernames (so a lead can assign with @username) and one reminder
-- schedule of a kind per group chat.

ALTER TABLE members ADD COLUMN username TEXT;
CREATE INDEX members_by_username ON members(institution_id, username COLLATE NOCASE);

CREATE UNIQUE INDEX reminder_schedules_one_per_chat ON reminder_schedules(kind, chat_id) WHERE chat_id IS NOT NULL;
