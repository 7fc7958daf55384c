-- 長期署名の延長 (archive timestamp renewal): one row per sealed file that is, or was, a concluded
-- contract's latest file: when its newest archive timestamp ends and how its renewal went.
-- The primary key on document_id makes "renew this file" claimable once: a worker claims the row
-- with a conditional UPDATE (claimed_until in the past) and the renewal commits the new file's
-- row and this row's state = 'renewed' in one transaction.
CREATE TABLE ltv_archives (
    document_id TEXT PRIMARY KEY NOT NULL REFERENCES documents(id),
    tenant_id TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    -- genTime of the newest archive (document) timestamp, Unix ms; NULL when none was found.
    timestamp_at BIGINT,
    tsa_subject TEXT,
    -- notAfter of that timestamp's TSA certificate, Unix ms.
    tsa_not_after BIGINT,
    -- Digest algorithm of the imprint (SHA-256 …): its horizon also ends the timestamp.
    digest_algorithm TEXT,
    -- current | failed | gave_up | renewed
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until BIGINT,
    last_error TEXT,
    renewed_document_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ltv_archives_state ON ltv_archives (state, tsa_not_after);
CREATE INDEX ltv_archives_contract ON ltv_archives (tenant_id, contract_id);
