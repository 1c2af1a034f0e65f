-- Email threading: a reply finds its ticket by the Message-ID it answers.
ALTER TABLE b24ops_ticket_messages ADD COLUMN message_id TEXT;
CREATE INDEX b24ops_ticket_messages_message_id ON b24ops_ticket_messages (message_id);
