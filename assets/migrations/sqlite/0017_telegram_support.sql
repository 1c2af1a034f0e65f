-- The Telegram support bot. `b24ops_telegram_offsets` keeps, per bot, the next getUpdates offset
-- (the last update_id handled plus one), so a restart neither loses nor repeats a message.
-- `b24ops_telegram_chats` remembers each chat the bot has talked to: when it was asked for its
-- portal (asked once), and the portal its answer named, so its later tickets are attached.
-- A Telegram ticket keeps its chat id in `b24ops_tickets.chat_dialog_id` (migration 16).
-- A ticket may come in through the Telegram support bot: its channel is `telegram`.
-- SQLite cannot alter a CHECK constraint. Widening one needs no rebuild of the table (a rebuild
-- would cascade-delete the threads, and drop any column a later migration adds): its text in
-- sqlite_schema is edited, as https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of
-- Table Schema Changes") describes; every row passes the wider check already. The CREATE
-- statements below change the schema version, so every connection reads the new text (and the
-- migration's own connection is closed after it).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''console'',''api'')', '''console'',''api'',''telegram'')')
WHERE type = 'table' AND name = 'b24ops_tickets';
PRAGMA writable_schema = OFF;
CREATE TABLE b24ops_telegram_offsets (
    bot_id      TEXT PRIMARY KEY,
    next_offset INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE b24ops_telegram_chats (
    chat_id    TEXT PRIMARY KEY,
    asked_at   INTEGER,
    member_id  TEXT,
    domain     TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX b24ops_tickets_chat_dialog ON b24ops_tickets (chat_dialog_id);
