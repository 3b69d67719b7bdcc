-- Back to the earlier schema. Stored replies are dropped, the demographics of ballots are not
-- restored (they were counters), and times stay floored to the day.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
ALTER TABLE ballots ADD COLUMN voter_district_id TEXT;
ALTER TABLE ballots ADD COLUMN voter_age_band TEXT;
DROP TABLE participation;
