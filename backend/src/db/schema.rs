//! The tables, written by hand for both backends (SQLite and PostgreSQL share one schema:
//! TEXT ids, BIGINT Unix-millisecond times). Keep in step with `migrations/*/`.

diesel::table! {
    tenants (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        require_totp -> Bool,
        session_idle_minutes -> Integer,
        session_absolute_hours -> Integer,
        audit_seq -> BigInt,
        audit_head -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    departments (id) {
        id -> Text,
        tenant_id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
        code -> Nullable<Text>,
        active -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        tenant_id -> Text,
        login_id -> Text,
        name -> Text,
        email -> Text,
        department_id -> Nullable<Text>,
        roles -> Text,
        grants -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        disabled -> Bool,
        totp_secret -> Nullable<Text>,
        totp_enabled -> Bool,
        totp_last_step -> Nullable<BigInt>,
        failed_logins -> Integer,
        locked_until -> Nullable<BigInt>,
        last_login_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        tenant_id -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        ip -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        name_kana -> Nullable<Text>,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        notes -> Nullable<Text>,
        archived -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        tenant_id -> Text,
        organization_id -> Text,
        name -> Text,
        email -> Text,
        division -> Nullable<Text>,
        title -> Nullable<Text>,
        phone -> Nullable<Text>,
        archived -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    audit_events (tenant_id, seq) {
        tenant_id -> Text,
        seq -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<Text>,
        actor_label -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        result -> Text,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(contacts -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    departments,
    users,
    sessions,
    login_failures,
    organizations,
    contacts,
    audit_events,
);
