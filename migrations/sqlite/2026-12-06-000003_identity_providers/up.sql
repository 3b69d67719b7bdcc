-- Sign-in with a municipality's OpenID Connect provider (issue 19).
--
-- One provider per municipality, configured by its admin. The client secret is stored sealed
-- (XChaCha20-Poly1305 under a key outside the database, bound to the municipality), never in
-- clear; `metadata` is the discovery document fetched and checked when the admin saved, so
-- every instance starts a sign-in without asking the provider again.
CREATE TABLE identity_providers (
    municipality_id TEXT PRIMARY KEY REFERENCES municipalities (id),
    issuer_url TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT NOT NULL,
    national_id_claim TEXT NOT NULL,
    birth_date_claim TEXT,
    name_claim TEXT,
    -- Scopes asked beyond `openid`, space-separated.
    scopes TEXT NOT NULL,
    -- {"<language>": "<button label>"}
    button_labels TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A sign-in on its way through the provider, kept in the database so that any instance can
-- finish it. Found by the keyed hash of its `state`; taken once (a replayed state finds
-- nothing). The PKCE verifier is sealed; the nonce is no secret (it travels in the URL).
CREATE TABLE oidc_requests (
    state_hash TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    nonce TEXT NOT NULL,
    pkce_verifier_sealed TEXT NOT NULL,
    -- The logged-in resident who asked to link their account, if any.
    link_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_requests_expiry ON oidc_requests (expires_at);

-- Accounts that sign in through their municipality's provider: registered by it, or linked
-- to it by their logged-in owner. The national ID stays in `residents` as its keyed hash.
CREATE TABLE provider_links (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    issuer_url TEXT NOT NULL,
    linked_at TIMESTAMP NOT NULL
);
