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
        approval_required -> Bool,
        contract_number_pattern -> Text,
        retention_years -> Integer,
        link_expiry_days -> Integer,
        japanese_era -> Bool,
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
        key_id -> Nullable<Text>,
    }
}

diesel::table! {
    contract_number_counters (tenant_id, fiscal_year) {
        tenant_id -> Text,
        fiscal_year -> Integer,
        next_value -> BigInt,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        tenant_id -> Text,
        public_id -> Text,
        contract_number -> Text,
        title -> Text,
        department_id -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        counterparty_name -> Text,
        amount_yen -> Nullable<BigInt>,
        period_start -> Nullable<Text>,
        period_end -> Nullable<Text>,
        concluded_on -> Nullable<Text>,
        retention_years -> Integer,
        notes -> Text,
        custom_fields -> Text,
        state -> Text,
        recipient_order -> Text,
        allow_forwarding -> Bool,
        message -> Text,
        stamp -> Nullable<Text>,
        approval_round -> Integer,
        expires_at -> Nullable<BigInt>,
        sent_at -> Nullable<BigInt>,
        concluded_at -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        tenant_id -> Text,
        contract_id -> Text,
        role -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        page_count -> Nullable<Integer>,
        created_by -> Nullable<Text>,
        created_at -> BigInt,
        removed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    approval_route_templates (id) {
        id -> Text,
        tenant_id -> Text,
        department_id -> Nullable<Text>,
        name -> Text,
        steps -> Text,
        archived -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    approval_steps (id) {
        id -> Text,
        tenant_id -> Text,
        contract_id -> Text,
        position -> Integer,
        name -> Text,
        rule -> Text,
        approver_ids -> Text,
    }
}

diesel::table! {
    approval_decisions (id) {
        id -> Text,
        tenant_id -> Text,
        contract_id -> Text,
        step_id -> Text,
        round -> Integer,
        user_id -> Text,
        decision -> Text,
        comment -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    recipients (id) {
        id -> Text,
        tenant_id -> Text,
        contract_id -> Text,
        position -> Integer,
        organization_name -> Text,
        name -> Text,
        email -> Text,
        access_code_hash -> Nullable<Text>,
        state -> Text,
        link_token_hash -> Nullable<Text>,
        link_expires_at -> Nullable<BigInt>,
        otp_hash -> Nullable<Text>,
        otp_expires_at -> Nullable<BigInt>,
        otp_failures -> Integer,
        locked_until -> Nullable<BigInt>,
        session_token_hash -> Nullable<Text>,
        session_expires_at -> Nullable<BigInt>,
        notified_at -> Nullable<BigInt>,
        viewed_at -> Nullable<BigInt>,
        verified_at -> Nullable<BigInt>,
        agreed_at -> Nullable<BigInt>,
        declined_at -> Nullable<BigInt>,
        decline_reason -> Nullable<Text>,
        forwarded_from -> Nullable<Text>,
        sealed_document_id -> Nullable<Text>,
        forwarded_at -> Nullable<BigInt>,
        action_ip -> Nullable<Text>,
        action_user_agent -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        auto_reminded_at -> Nullable<BigInt>,
        code_locks -> Integer,
        sms_phone -> Nullable<Text>,
        sms_code_hash -> Nullable<Text>,
        sms_code_expires_at -> Nullable<BigInt>,
        sms_verified_at -> Nullable<BigInt>,
        sms_window_started_at -> Nullable<BigInt>,
        sms_sends -> Integer,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        expires_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    seal_keys (id) {
        id -> Text,
        label -> Text,
        kind -> Text,
        state -> Text,
        subject -> Text,
        issuer -> Text,
        serial_number -> Text,
        cert_sha256 -> Text,
        not_before -> BigInt,
        not_after -> BigInt,
        certificates_pem -> Text,
        sealed_material -> Nullable<Text>,
        pkcs11_module -> Nullable<Text>,
        pkcs11_token_label -> Nullable<Text>,
        pkcs11_key_label -> Nullable<Text>,
        pkcs11_pin_file -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Text,
        activated_at -> Nullable<BigInt>,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    document_seals (document_id) {
        document_id -> Text,
        tenant_id -> Text,
        seal_key_id -> Nullable<Text>,
        source -> Text,
        cert_sha256 -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    tsa_servers (id) {
        id -> Text,
        url -> Text,
        position -> Integer,
        created_at -> BigInt,
    }
}

diesel::table! {
    tsa_health (url) {
        url -> Text,
        last_success_at -> Nullable<BigInt>,
        last_error_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        cert_subject -> Nullable<Text>,
        cert_not_after -> Nullable<BigInt>,
    }
}

diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(documents -> contracts (contract_id));
diesel::joinable!(recipients -> contracts (contract_id));
diesel::joinable!(approval_steps -> contracts (contract_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
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
    contract_number_counters,
    contracts,
    documents,
    approval_route_templates,
    approval_steps,
    approval_decisions,
    recipients,
    api_tokens,
);

// Records management: the fiscal-year export (年度別一括出力).
diesel::table! {
    record_exports (id) {
        id -> Text,
        tenant_id -> Text,
        requested_by -> Text,
        fiscal_year -> Integer,
        department_ids -> Text,
        encoding -> Text,
        state -> Text,
        entries_done -> BigInt,
        entries_total -> BigInt,
        contracts -> BigInt,
        size -> Nullable<BigInt>,
        sha256 -> Nullable<Text>,
        manifest_sha256 -> Nullable<Text>,
        timestamped -> Bool,
        cp932_replacements -> BigInt,
        error -> Nullable<Text>,
        file_path -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

// Monthly usage report (月次利用状況報告).
diesel::table! {
    monthly_reports (tenant_id, month) {
        tenant_id -> Text,
        month -> Text,
        figures -> Text,
        generated_at -> BigInt,
    }
}

// Monthly usage report: seals are counted per contract's department.
diesel::allow_tables_to_appear_in_same_query!(document_seals, documents);
diesel::allow_tables_to_appear_in_same_query!(document_seals, contracts);

// Maintenance notices (お知らせ).
diesel::table! {
    notices (id) {
        id -> Text,
        tenant_id -> Nullable<Text>,
        kind -> Text,
        title -> Text,
        body -> Text,
        starts_at -> BigInt,
        ends_at -> BigInt,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        withdrawn_at -> Nullable<BigInt>,
    }
}

// Retention and disposition (保存期間・廃棄), migration 2026-12-14-100000_retention; read by
// `workflow::retention` only, never joined.

diesel::table! {
    retention_rules (tenant_id) {
        tenant_id -> Text,
        convention -> Text,
        basis -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    legal_holds (contract_id) {
        contract_id -> Text,
        tenant_id -> Text,
        reason -> Text,
        set_by -> Text,
        set_at -> BigInt,
    }
}

diesel::table! {
    disposition_requests (id) {
        id -> Text,
        tenant_id -> Text,
        state -> Text,
        reason -> Text,
        requested_by -> Text,
        requested_at -> BigInt,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
        comment -> Text,
    }
}

diesel::table! {
    disposition_items (request_id, contract_id) {
        request_id -> Text,
        contract_id -> Text,
        tenant_id -> Text,
    }
}

diesel::table! {
    disposal_records (contract_id) {
        contract_id -> Text,
        tenant_id -> Text,
        request_id -> Text,
        contract_number -> Text,
        title -> Text,
        prior_state -> Text,
        concluded_on -> Nullable<Text>,
        period_start -> Nullable<Text>,
        period_end -> Nullable<Text>,
        retention_years -> Integer,
        retention_end -> Text,
        files -> Text,
        requested_by -> Text,
        requested_by_name -> Text,
        requested_at -> BigInt,
        approved_by -> Text,
        approved_by_name -> Text,
        disposed_at -> BigInt,
    }
}

// Idempotency keys and rate limits.
diesel::table! {
    idempotency_keys (tenant_id, principal, method, path, idempotency_key) {
        tenant_id -> Text,
        principal -> Text,
        method -> Text,
        path -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    tenant_rate_limits (tenant_id) {
        tenant_id -> Text,
        token_requests_per_minute -> Integer,
        updated_at -> BigInt,
    }
}
// Webhooks (migration 2026-12-15-100000_webhooks), read by `workflow::webhooks` only.
diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        tenant_id -> Text,
        url -> Text,
        description -> Text,
        events -> Text,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        tenant_id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        contract_id -> Nullable<Text>,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        tenant_id -> Text,
        delivery_id -> Text,
        attempt -> Integer,
        at -> BigInt,
        status -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
        response_excerpt -> Text,
    }
}

// Document templates (ひな形), migration 2026-12-15-300000_document_templates.
diesel::table! {
    document_templates (id) {
        id -> Text,
        tenant_id -> Text,
        department_id -> Nullable<Text>,
        name -> Text,
        route_template_id -> Nullable<Text>,
        defaults -> Text,
        recipient_slots -> Text,
        archived -> Bool,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    template_documents (id) {
        id -> Text,
        tenant_id -> Text,
        template_id -> Text,
        role -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        page_count -> Nullable<Integer>,
        created_by -> Nullable<Text>,
        created_at -> BigInt,
        removed_at -> Nullable<BigInt>,
    }
}

// Bulk sending (一括送信), migration 2026-12-15-310000_bulk_sends.
diesel::table! {
    bulk_sends (id) {
        id -> Text,
        tenant_id -> Text,
        template_id -> Text,
        file_name -> Text,
        total -> BigInt,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    bulk_send_rows (bulk_send_id, line) {
        bulk_send_id -> Text,
        line -> Integer,
        tenant_id -> Text,
        input -> Text,
        state -> Text,
        contract_id -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_ja -> Nullable<Text>,
        error_en -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

// Network zones (ネットワークゾーン), migration 2026-12-16-100000_network_zones.
diesel::table! {
    network_zones (tenant_id, zone) {
        tenant_id -> Text,
        zone -> Text,
        enabled -> Bool,
        cidrs -> Text,
        public_url -> Nullable<Text>,
        updated_at -> BigInt,
    }
}
// Marks of sealed files for recognising rewritten copies, migration 2026-12-16-200000_seal_marks.
diesel::table! {
    seal_marks (document_id, kind, value) {
        tenant_id -> Text,
        document_id -> Text,
        kind -> Text,
        value -> Text,
        created_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(seal_marks, documents);
