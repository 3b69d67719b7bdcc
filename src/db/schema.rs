//! The schema, kept by hand in the subset both backends share: ids are UUID strings in
//! `TEXT`, times are UTC `TIMESTAMP`s, enums are snake_case `TEXT`, JSON is `TEXT`.
//! `tests/migrations_in_step.rs` checks that both migration trees produce these tables.

diesel::table! {
    municipalities (id) {
        id -> Text,
        slug -> Text,
        country -> Text,
        names -> Text,
        languages -> Text,
        default_language -> Text,
        currency -> Text,
        time_zone -> Text,
        national_id_scheme -> Text,
        check_digit_policy -> Text,
        min_voting_age -> Integer,
        registration_policy -> Text,
        revote_policy -> Text,
        budget_defaults -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_proposals_per_resident -> Integer,
        proposal_categories -> Text,
        /// JSON: the verification methods offered (`domain::verification`).
        verification_methods -> Text,
    }
}

diesel::table! {
    districts (id) {
        id -> Text,
        municipality_id -> Text,
        names -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        municipality_id -> Nullable<Text>,
        /// The municipality id, or `platform` for platform admins: the scope in which an
        /// e-mail must be unique (NULLs would not collide in a unique index).
        tenant_key -> Text,
        role -> Text,
        email -> Nullable<Text>,
        display_name -> Text,
        password_hash -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        account_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        chain_key -> Text,
        seq -> BigInt,
        municipality_id -> Nullable<Text>,
        actor_account_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        details -> Text,
        created_at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    residents (account_id) {
        account_id -> Text,
        municipality_id -> Text,
        /// HMAC-SHA256(pepper, scheme ":" normalised ID), hex: never the ID itself.
        national_id_hash -> Text,
        full_name -> Text,
        birth_date -> Date,
        district_id -> Nullable<Text>,
        phone -> Nullable<Text>,
        language -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    voter_roll (municipality_id, national_id_hash) {
        municipality_id -> Text,
        national_id_hash -> Text,
        birth_date -> Date,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    cycles (id) {
        id -> Text,
        municipality_id -> Text,
        names -> Text,
        status -> Text,
        submission_opens_at -> Nullable<Timestamp>,
        voting_opens_at -> Nullable<Timestamp>,
        voting_closes_at -> Nullable<Timestamp>,
        voting_opened_at -> Nullable<Timestamp>,
        voting_closed_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        /// Key of the ballot slots while the cycle runs; NULL once published or cancelled.
        ballot_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    budgets (id) {
        id -> Text,
        cycle_id -> Text,
        municipality_id -> Text,
        names -> Text,
        district_id -> Nullable<Text>,
        amount_minor -> BigInt,
        /// JSON: the ballot rules.
        ballot_rules -> Text,
        /// JSON: rule kind, completion, tie-break.
        counting_rule -> Text,
        frozen_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// JSON: the verification methods that count for voting here; `[]`: any offered.
        accepted_verifications -> Text,
    }
}

diesel::table! {
    proposals (id) {
        id -> Text,
        budget_id -> Text,
        municipality_id -> Text,
        titles -> Text,
        descriptions -> Text,
        cost_minor -> BigInt,
        category -> Nullable<Text>,
        location -> Nullable<Text>,
        author_account_id -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        on_ballot -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ballots (id) {
        id -> Text,
        budget_id -> Text,
        voter_key -> Nullable<Text>,
        channel -> Text,
        polling_station -> Nullable<Text>,
        /// JSON: the selections as cast.
        selections -> Text,
        cast_at -> Timestamp,
        revision -> Integer,
    }
}

diesel::table! {
    receipts (code) {
        code -> Text,
        budget_id -> Text,
        ballot_id -> Text,
        issued_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (key_mac) {
        key_mac -> Text,
        cycle_id -> Text,
        sealed_reply -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Who took part, coarsely, apart from the ballots (statistics only).
    participation (budget_id, channel, district_id, age_band, day, shard) {
        budget_id -> Text,
        channel -> Text,
        district_id -> Text,
        age_band -> Text,
        /// The municipality's calendar day, `YYYY-MM-DD`.
        day -> Text,
        shard -> Integer,
        ballots -> BigInt,
    }
}

diesel::table! {
    tallies (budget_id) {
        budget_id -> Text,
        /// JSON: the engine's result with its trace.
        result -> Text,
        ballots_counted -> BigInt,
        computed_at -> Timestamp,
        computed_by -> Text,
    }
}

diesel::table! {
    /// Login and registration throttles shared by every instance: one GCRA bucket per keyed
    /// hash (`db/throttles.rs`).
    throttles (key) {
        key -> Text,
        tat -> BigInt,
        refused -> Integer,
    }
}

diesel::table! {
    one_time_codes (code_hash) {
        code_hash -> Text,
        purpose -> Text,
        account_id -> Text,
        issued_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        language -> Text,
        sealed -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// A municipality's OpenID Connect provider (issue 19); the client secret only sealed.
    identity_providers (municipality_id) {
        municipality_id -> Text,
        issuer_url -> Text,
        client_id -> Text,
        client_secret_sealed -> Text,
        national_id_claim -> Text,
        birth_date_claim -> Nullable<Text>,
        name_claim -> Nullable<Text>,
        scopes -> Text,
        button_labels -> Text,
        metadata -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A provider sign-in under way, by the keyed hash of its `state`.
    oidc_requests (state_hash) {
        state_hash -> Text,
        municipality_id -> Text,
        nonce -> Text,
        pkce_verifier_sealed -> Text,
        link_account_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Accounts that sign in through their municipality's provider.
    provider_links (account_id) {
        account_id -> Text,
        municipality_id -> Text,
        issuer_url -> Text,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    /// How each resident's registration was proven: one row per method.
    resident_verifications (account_id, method) {
        account_id -> Text,
        method -> Text,
        verified_at -> Timestamp,
        /// The official who checked, for `review` and for codes an official issued.
        verified_by -> Nullable<Text>,
    }
}

diesel::joinable!(districts -> municipalities (municipality_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(residents -> accounts (account_id));
diesel::joinable!(budgets -> cycles (cycle_id));
diesel::joinable!(proposals -> budgets (budget_id));
diesel::joinable!(ballots -> budgets (budget_id));
diesel::joinable!(receipts -> ballots (ballot_id));

diesel::allow_tables_to_appear_in_same_query!(
    municipalities,
    districts,
    accounts,
    sessions,
    refresh_tokens,
    audit_log,
    residents,
    voter_roll,
    cycles,
    budgets,
    proposals,
    ballots,
    receipts,
    idempotency_keys,
    participation,
    tallies,
    one_time_codes,
    mail_outbox,
    identity_providers,
    oidc_requests,
    provider_links,
    resident_verifications,
);
