-- Search over a large contract list: 件名, 契約番号 and 相手方 in an FTS5 index with the trigram
-- tokenizer (substring search for Japanese, which has no spaces between words; queries of
-- three characters or more), kept in step with `contracts` by triggers. The sort orders have
-- one index each, keyed like the list's keyset pagination: (sort key, id), NULLs last.

CREATE VIRTUAL TABLE contracts_search USING fts5(
    title, contract_number, counterparty_name,
    content = 'contracts', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO contracts_search (contracts_search) VALUES ('rebuild');

CREATE TRIGGER contracts_search_insert AFTER INSERT ON contracts BEGIN
    INSERT INTO contracts_search (rowid, title, contract_number, counterparty_name)
    VALUES (new.rowid, new.title, new.contract_number, new.counterparty_name);
END;
CREATE TRIGGER contracts_search_delete AFTER DELETE ON contracts BEGIN
    INSERT INTO contracts_search (contracts_search, rowid, title, contract_number, counterparty_name)
    VALUES ('delete', old.rowid, old.title, old.contract_number, old.counterparty_name);
END;
CREATE TRIGGER contracts_search_update
AFTER UPDATE OF title, contract_number, counterparty_name ON contracts BEGIN
    INSERT INTO contracts_search (contracts_search, rowid, title, contract_number, counterparty_name)
    VALUES ('delete', old.rowid, old.title, old.contract_number, old.counterparty_name);
    INSERT INTO contracts_search (rowid, title, contract_number, counterparty_name)
    VALUES (new.rowid, new.title, new.contract_number, new.counterparty_name);
END;

CREATE INDEX contracts_list_updated ON contracts (tenant_id, updated_at DESC, id DESC);
CREATE INDEX contracts_list_concluded ON contracts (tenant_id, coalesce(concluded_on, '') DESC, id DESC);
CREATE INDEX contracts_list_amount ON contracts (tenant_id, coalesce(amount_yen, -1) DESC, id DESC);
CREATE INDEX contracts_list_number ON contracts (tenant_id, contract_number, id);
CREATE INDEX contracts_list_department ON contracts (tenant_id, department_id, coalesce(concluded_on, '') DESC, id DESC);
