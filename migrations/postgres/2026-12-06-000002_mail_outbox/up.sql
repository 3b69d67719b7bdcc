-- E-mail waiting to be sent, and a short memory of what was. A message is queued by the
-- request that causes it, in that request's transaction (so it exists if and only if the
-- change committed), and sent afterwards by a background worker on any instance.
--
-- `sealed` holds subject and body sealed under a key outside the database (a recovery link is
-- a secret until used); it is erased once the message is sent or given up. `claimed_until` is
-- the lease a worker takes before sending, so two instances do not send one message twice.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    sealed TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_finished ON mail_outbox (finished_at);
