-- The Reviews tab: open reviews by how long they have waited, answered ones newest first.
CREATE INDEX b24ops_reviews_status ON b24ops_reviews (reply_status, submitted_at);
