-- The seal keyring: every key the service has sealed with, or may seal with.
-- state: 'standby' (imported, not in use), 'active' (seals now; at most one row, by the partial
-- unique index, and switching is one transaction), 'retired' (never seals again, but its
-- certificates stay: every past seal keeps verifying).
-- kind: 'pkcs12' | 'pem' (material: the key, sealed at rest with the data directory's secret
-- key, never plain text) | 'pkcs11' (a reference to a key in an HSM token; no material here).
-- certificates_pem: the seal certificate first, then its chain (public; the verifier trusts
-- the chain's root).
CREATE TABLE seal_keys (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    cert_sha256 TEXT NOT NULL UNIQUE,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    certificates_pem TEXT NOT NULL,
    sealed_material TEXT,
    pkcs11_module TEXT,
    pkcs11_token_label TEXT,
    pkcs11_key_label TEXT,
    pkcs11_pin_file TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    activated_at BIGINT,
    retired_at BIGINT
);
CREATE UNIQUE INDEX seal_keys_one_active ON seal_keys (state) WHERE state = 'active';

-- Which key made each seal the service put on a document (the seal job writes it with the
-- document). seal_key_id is NULL when the configured key or the development PKI sealed.
CREATE TABLE document_seals (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    seal_key_id TEXT REFERENCES seal_keys(id),
    source TEXT NOT NULL,
    cert_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX document_seals_key ON document_seals (seal_key_id);

-- The RFC 3161 time-stamp authorities, tried in `position` order (1 first); while empty, the
-- configured `tsa_urls` are used, and without those the development PKI's TSA.
CREATE TABLE tsa_servers (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);

-- How each TSA URL answered lately (whichever list it came from), written by the seal jobs of
-- every server process: the health view of the settings page.
CREATE TABLE tsa_health (
    url TEXT PRIMARY KEY,
    last_success_at BIGINT,
    last_error_at BIGINT,
    last_error TEXT,
    cert_subject TEXT,
    cert_not_after BIGINT
);
