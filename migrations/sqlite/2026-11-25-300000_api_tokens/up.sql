-- API tokens for integrators (`Authorization: Bearer tachiai_…`). A token acts as its user:
-- same tenant, same visibility; its permissions are the user's current ones intersected with
-- `scopes` (a comma list of permission names, as users.grants). Only the SHA-256 of the secret
-- is stored; the secret is shown once, at creation.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_tenant_user ON api_tokens (tenant_id, user_id);

-- The dashboard's recent events and "returned to me" look up events by contract.
CREATE INDEX audit_events_target ON audit_events (tenant_id, target_id, seq);
