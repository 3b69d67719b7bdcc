-- Login and registration throttles shared by every instance (auth/rate_limit.rs). One row per
-- bucket: its key is a keyed hash (never an address or login in clear), `tat` the GCRA
-- "theoretical arrival time" in milliseconds since the Unix epoch, `refused` whether the last
-- attempt was refused. A row whose `tat` has passed is a full bucket, the same as no row, so
-- such rows are pruned without changing any answer.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL,
    refused INTEGER NOT NULL
);
CREATE INDEX throttles_tat ON throttles (tat);
