-- A message that names another requester's ticket (In-Reply-To, References or a [#N] tag) opens
-- a ticket of its own, linked here to the one it claimed, so nobody writes into another
-- customer's thread and support still sees the connection.
ALTER TABLE b24ops_tickets ADD COLUMN claimed_thread_of INTEGER;
