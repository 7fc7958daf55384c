-- What ties a rewritten PDF to the sealed file it was made from (a sanitising gateway, 無害化装置,
-- re-saves, linearises or re-renders what passes it; see backend/src/workflow/seal_marks.rs):
-- for every sealed file and completion certificate, the SHA-256 of each signature's CMS
-- (`signature`) and the first element of its trailer /ID (`file_id`), hex.
CREATE TABLE seal_marks (
    tenant_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, kind, value)
);
CREATE INDEX seal_marks_value ON seal_marks (value, kind);
