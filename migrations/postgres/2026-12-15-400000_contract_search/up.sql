-- Search over a large contract list: 件名, 契約番号 and 相手方 in pg_trgm GIN indexes, which
-- serve `LIKE '%…%'` for queries of three characters or more (Japanese has no spaces between
-- words). The sort orders have one index each, keyed like the list's keyset pagination:
-- (sort key, id), NULLs last.

-- In `public`, qualified below: the tests and some installations run each tenant database in a
-- schema of its own with a search_path naming only that schema. Two migrations at once (parallel
-- tests) may race to create it; the loser finds it created.
DO $$ BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
END $$;

CREATE INDEX contracts_search_title ON contracts USING gin (title public.gin_trgm_ops);
CREATE INDEX contracts_search_number ON contracts USING gin (contract_number public.gin_trgm_ops);
CREATE INDEX contracts_search_counterparty ON contracts USING gin (counterparty_name public.gin_trgm_ops);

CREATE INDEX contracts_list_updated ON contracts (tenant_id, updated_at DESC, id DESC);
CREATE INDEX contracts_list_concluded ON contracts (tenant_id, (coalesce(concluded_on, '')) DESC, id DESC);
CREATE INDEX contracts_list_amount ON contracts (tenant_id, (coalesce(amount_yen, -1)) DESC, id DESC);
CREATE INDEX contracts_list_number ON contracts (tenant_id, contract_number, id);
CREATE INDEX contracts_list_department ON contracts (tenant_id, department_id, (coalesce(concluded_on, '')) DESC, id DESC);
