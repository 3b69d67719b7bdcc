-- Single-use secrets handed to one person: a password-recovery link, a reset code an official
-- issues at the counter, a staff invitation, an e-mail verification code, a printed letter
-- code. Only a keyed hash is stored (HMAC with the server's pepper, purpose and account bound
-- in), so someone who reads the database can neither use a live code nor test guesses at a
-- short one offline. `used_at` is set once, by the redemption that wins; an account has at
-- most one live code per purpose (issuing a new one removes the old).
CREATE TABLE one_time_codes (
    code_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    issued_by TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX one_time_codes_by_account ON one_time_codes (account_id, purpose);
CREATE INDEX one_time_codes_expiry ON one_time_codes (expires_at);
