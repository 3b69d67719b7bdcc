-- Ballot secrecy in storage: nothing stored pairs a ballot or receipt with an account,
-- resident, session, login or request (tests/api/linkability.rs).
-- * Participation statistics move out of `ballots` into counters with no ballot id, time or
--   order that matches a ballot (a few shards per key, so that ballots do not queue on one
--   row). Existing ballots are counted by their UTC day.
-- * Ballot and receipt times keep only the UTC day (an instant matched the voter's login).
-- * Stored ballot replies no longer name the account nor hold the receipt in clear: the old
--   rows (account, reply in clear) are dropped, and retries of ballots cast before this step
--   are answered as new requests (voting replaces or refuses them as usual).
CREATE TABLE participation (
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    channel TEXT NOT NULL,
    -- '' when not known (paper ballots, voters without a district or birth date).
    district_id TEXT NOT NULL,
    age_band TEXT NOT NULL,
    -- The municipality's calendar day of the voter's first ballot, YYYY-MM-DD.
    day TEXT NOT NULL,
    shard INTEGER NOT NULL,
    ballots BIGINT NOT NULL,
    PRIMARY KEY (budget_id, channel, district_id, age_band, day, shard)
);
INSERT INTO participation (budget_id, channel, district_id, age_band, day, shard, ballots)
SELECT budget_id, channel, COALESCE(voter_district_id, ''), COALESCE(voter_age_band, ''),
       date(cast_at), 0, COUNT(*)
FROM ballots
GROUP BY budget_id, channel, COALESCE(voter_district_id, ''), COALESCE(voter_age_band, ''), date(cast_at);
ALTER TABLE ballots DROP COLUMN voter_district_id;
ALTER TABLE ballots DROP COLUMN voter_age_band;

UPDATE ballots SET cast_at = date(cast_at) || ' 00:00:00';
UPDATE receipts SET issued_at = date(issued_at) || ' 00:00:00';
UPDATE receipts SET superseded_at = date(superseded_at) || ' 00:00:00' WHERE superseded_at IS NOT NULL;

-- Ballots and receipts become WITHOUT ROWID tables, stored in the order of their random keys:
-- a rowid table keeps the order of insertion, which pairs the n-th ballot with the n-th
-- login. Receipts go first (they reference ballots), so that no foreign key is broken while
-- the ballots are copied.
CREATE TABLE receipts_copy AS SELECT * FROM receipts;
DROP TABLE receipts;
CREATE TABLE ballots_new (
    id TEXT PRIMARY KEY,
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    voter_key TEXT,
    channel TEXT NOT NULL,
    polling_station TEXT,
    selections TEXT NOT NULL,
    cast_at TIMESTAMP NOT NULL,
    revision INTEGER NOT NULL,
    UNIQUE (budget_id, voter_key)
) WITHOUT ROWID;
INSERT INTO ballots_new (id, budget_id, voter_key, channel, polling_station, selections, cast_at, revision)
SELECT id, budget_id, voter_key, channel, polling_station, selections, cast_at, revision FROM ballots;
DROP TABLE ballots;
ALTER TABLE ballots_new RENAME TO ballots;
CREATE TABLE receipts (
    code TEXT PRIMARY KEY,
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    ballot_id TEXT NOT NULL REFERENCES ballots (id),
    issued_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP
) WITHOUT ROWID;
INSERT INTO receipts (code, budget_id, ballot_id, issued_at, superseded_at)
SELECT code, budget_id, ballot_id, issued_at, superseded_at FROM receipts_copy;
DROP TABLE receipts_copy;
CREATE INDEX receipts_by_ballot ON receipts (ballot_id);

DROP TABLE idempotency_keys;
-- The first reply to a ballot sent with an Idempotency-Key, for retries: keyed by a keyed hash
-- of the voter's key and the client's key, sealed, gone after a few hours or at the close.
CREATE TABLE idempotency_keys (
    key_mac TEXT PRIMARY KEY,
    cycle_id TEXT NOT NULL,
    sealed_reply TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX idempotency_keys_by_cycle ON idempotency_keys (cycle_id);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
