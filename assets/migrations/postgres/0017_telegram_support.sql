-- The Telegram support bot. `b24ops_telegram_offsets` keeps, per bot, the next getUpdates offset
-- (the last update_id handled plus one), so a restart neither loses nor repeats a message.
-- `b24ops_telegram_chats` remembers each chat the bot has talked to: when it was asked for its
-- portal (asked once), and the portal its answer named, so its later tickets are attached.
-- A Telegram ticket keeps its chat id in `b24ops_tickets.chat_dialog_id` (migration 16).
-- A ticket may come in through the Telegram support bot: its channel is `telegram`.
ALTER TABLE b24ops_tickets DROP CONSTRAINT IF EXISTS b24ops_tickets_channel_check;
ALTER TABLE b24ops_tickets ADD CONSTRAINT b24ops_tickets_channel_check
    CHECK (channel IN ('email','form','chat','console','api','telegram'));
CREATE TABLE b24ops_telegram_offsets (
    bot_id      VARCHAR(32) PRIMARY KEY,
    next_offset BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE b24ops_telegram_chats (
    chat_id    VARCHAR(32) PRIMARY KEY,
    asked_at   BIGINT,
    member_id  VARCHAR(64),
    domain     VARCHAR(255),
    created_at BIGINT NOT NULL
);
CREATE INDEX b24ops_tickets_chat_dialog ON b24ops_tickets (chat_dialog_id);
