-- A ticket opened by the app's bot in the customer's Bitrix24 remembers the dialog it came from
-- and the bot that was addressed, so the customer's next message threads into it and the
-- operator's reply goes back to the same dialog.
ALTER TABLE b24ops_tickets ADD COLUMN chat_dialog_id VARCHAR(64);
ALTER TABLE b24ops_tickets ADD COLUMN chat_bot_id BIGINT;
