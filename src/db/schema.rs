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

diesel::joinable!(districts -> municipalities (municipality_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    municipalities,
    districts,
    accounts,
    sessions,
    refresh_tokens,
    audit_log,
);
