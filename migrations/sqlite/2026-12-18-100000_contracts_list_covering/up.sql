-- The list reads along one index and checks the other filters (state, department, 締結日,
-- amount) row by row. With those columns at the end of each list index, SQLite checks them in
-- the index and reads a contract's row only for the rows it returns or counts: a count along
-- the amount order with a state and a 締結日 year looked up 10,000 rows in the table (0.30 s at
-- a million contracts); in the index it takes 0.04 s.
DROP INDEX contracts_list_updated;
CREATE INDEX contracts_list_updated ON contracts (tenant_id, updated_at DESC, id DESC, state, department_id, concluded_on, amount_yen);
DROP INDEX contracts_list_concluded;
CREATE INDEX contracts_list_concluded ON contracts (tenant_id, coalesce(concluded_on, '') DESC, id DESC, state, department_id, amount_yen);
DROP INDEX contracts_list_amount;
CREATE INDEX contracts_list_amount ON contracts (tenant_id, coalesce(amount_yen, -1) DESC, id DESC, state, department_id, concluded_on);
DROP INDEX contracts_list_number;
CREATE INDEX contracts_list_number ON contracts (tenant_id, contract_number, id, state, department_id, concluded_on, amount_yen);
DROP INDEX contracts_list_department;
CREATE INDEX contracts_list_department ON contracts (tenant_id, department_id, coalesce(concluded_on, '') DESC, id DESC, state, amount_yen);
