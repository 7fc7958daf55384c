DROP TABLE tenant_rate_limits;
DROP TABLE idempotency_keys;
