-- Audit chain keying (an HMAC, so that whoever can write the database cannot rewrite the log)
-- and the system chain (refusals before a tenant is known).
-- key_id: the audit key whose HMAC-SHA256 the event's hash is; NULL for the events sealed
-- before (plain SHA-256), which keep verifying as they did.
ALTER TABLE audit_events ADD COLUMN key_id TEXT;

-- The system chain: requests refused before any tenant is known (bad Origin, unknown or
-- revoked API tokens, throttled addresses, unknown objects). It is a reserved tenants row so
-- that it shares the chain head, the write lock and the verification of every tenant chain;
-- its code cannot be typed or created (codes are lower-case letters, digits and hyphens), and
-- it has no users.
INSERT INTO tenants (id, code, name, audit_seq, audit_head, created_at)
VALUES ('00000000-0000-0000-0000-000000000000', '_system', 'System (refused requests)', 0,
        '0000000000000000000000000000000000000000000000000000000000000000', 0);
