-- Residents and the voter roll; budget cycles, budgets, proposals, ballots with their
-- receipts, idempotent replies, and stored tallies. Same type subset as the foundation.

-- A resident's profile beside their account. The national ID is kept only as its keyed hash
-- (HMAC-SHA256 with the server's pepper); one registration per person per municipality.
CREATE TABLE residents (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    national_id_hash TEXT NOT NULL,
    full_name TEXT NOT NULL,
    birth_date DATE NOT NULL,
    district_id TEXT REFERENCES districts (id),
    phone TEXT,
    language TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, national_id_hash)
);
CREATE INDEX residents_by_status ON residents (municipality_id, status, created_at);

-- The voter roll a municipality admin uploaded (keyed hashes only; the file is not kept).
CREATE TABLE voter_roll (
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    national_id_hash TEXT NOT NULL,
    birth_date DATE NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality_id, national_id_hash)
);

CREATE TABLE cycles (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    names TEXT NOT NULL,
    status TEXT NOT NULL,
    submission_opens_at TIMESTAMP,
    voting_opens_at TIMESTAMP,
    voting_closes_at TIMESTAMP,
    voting_opened_at TIMESTAMP,
    voting_closed_at TIMESTAMP,
    published_at TIMESTAMP,
    -- Random key of the voters' ballot slots while the cycle runs; destroyed at publication
    -- (or cancellation), after which no ballot can be linked to anyone, even with the pepper.
    ballot_key TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cycles_by_municipality ON cycles (municipality_id, created_at);

CREATE TABLE budgets (
    id TEXT PRIMARY KEY,
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    names TEXT NOT NULL,
    district_id TEXT REFERENCES districts (id),
    amount_minor BIGINT NOT NULL,
    ballot_rules TEXT NOT NULL,
    counting_rule TEXT NOT NULL,
    frozen_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (amount_minor > 0)
);
CREATE INDEX budgets_by_cycle ON budgets (cycle_id, created_at);

CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    titles TEXT NOT NULL,
    descriptions TEXT NOT NULL,
    cost_minor BIGINT NOT NULL,
    category TEXT,
    location TEXT,
    author_account_id TEXT REFERENCES accounts (id),
    status TEXT NOT NULL,
    status_reason TEXT,
    on_ballot BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (cost_minor > 0)
);
CREATE INDEX proposals_by_budget ON proposals (budget_id, status, created_at);

-- One row per counted ballot. `voter_key` is a keyed hash of (budget, person), never the
-- account: the unique constraint is what makes "one ballot per voter per budget" hold under
-- any concurrency, and a deleted account leaves its ballots counted and anonymous. Paper
-- ballots have no voter key.
CREATE TABLE ballots (
    id TEXT PRIMARY KEY,
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    voter_key TEXT,
    channel TEXT NOT NULL,
    polling_station TEXT,
    selections TEXT NOT NULL,
    cast_at TIMESTAMP NOT NULL,
    revision INTEGER NOT NULL,
    UNIQUE (budget_id, voter_key)
);

-- Every receipt ever handed out; a replaced ballot's receipt is superseded.
CREATE TABLE receipts (
    code TEXT PRIMARY KEY,
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    ballot_id TEXT NOT NULL REFERENCES ballots (id),
    issued_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP
);
CREATE INDEX receipts_by_ballot ON receipts (ballot_id);

-- The first answer to a request sent with an `Idempotency-Key`, replayed to retries.
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);

-- The stored result of counting one budget.
CREATE TABLE tallies (
    budget_id TEXT PRIMARY KEY REFERENCES budgets (id),
    result TEXT NOT NULL,
    ballots_counted BIGINT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    computed_by TEXT NOT NULL
);

-- How many proposals one resident may submit per cycle (a municipality setting).
ALTER TABLE municipalities ADD COLUMN max_proposals_per_resident INTEGER NOT NULL DEFAULT 5;
