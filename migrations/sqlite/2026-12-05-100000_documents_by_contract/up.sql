-- A contract's files are read by (tenant_id, contract_id) on every contract page and seal step.
-- With only documents_contract (contract_id, role) and documents_sha256 (tenant_id, sha256),
-- SQLite's planner picked the tenant index and scanned every file of the tenant: 3–4 ms per
-- read at 10,000 contracts, growing with the tenant (found by benches/journey.rs).
CREATE INDEX documents_tenant_contract ON documents (tenant_id, contract_id);
