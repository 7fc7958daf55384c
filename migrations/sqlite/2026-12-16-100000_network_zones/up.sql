-- Network zones (ネットワークゾーン): per tenant, one row per zone ('lgwan', 'internet') once an
-- administrator has set them; no rows: staff may log in from anywhere and mails link to the
-- server's public_url (the behaviour before zones existed). `cidrs` is the zone's
-- comma-separated address blocks in canonical form; `public_url` an origin or NULL.
CREATE TABLE network_zones (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    zone TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    cidrs TEXT NOT NULL,
    public_url TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, zone)
);
