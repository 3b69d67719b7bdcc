-- Municipalities (tenants), their districts, accounts and login sessions, the audit log.
-- Kept in the type subset SQLite shares (see src/db/schema.rs).

CREATE TABLE municipalities (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    names TEXT NOT NULL,
    languages TEXT NOT NULL,
    default_language TEXT NOT NULL,
    currency TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    national_id_scheme TEXT NOT NULL,
    check_digit_policy TEXT NOT NULL,
    min_voting_age INTEGER NOT NULL,
    registration_policy TEXT NOT NULL,
    revote_policy TEXT NOT NULL,
    budget_defaults TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE districts (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    names TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX districts_by_municipality ON districts (municipality_id);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    municipality_id TEXT REFERENCES municipalities (id),
    tenant_key TEXT NOT NULL,
    role TEXT NOT NULL,
    email TEXT,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP,
    CHECK ((role = 'platform_admin') = (municipality_id IS NULL))
);
CREATE UNIQUE INDEX accounts_email_per_tenant ON accounts (tenant_key, email);
CREATE INDEX accounts_by_municipality ON accounts (municipality_id, role);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    chain_key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    municipality_id TEXT REFERENCES municipalities (id),
    actor_account_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    details TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain_key, seq)
);
