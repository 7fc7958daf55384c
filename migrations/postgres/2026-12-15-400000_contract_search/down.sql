DROP INDEX contracts_list_department;
DROP INDEX contracts_list_number;
DROP INDEX contracts_list_amount;
DROP INDEX contracts_list_concluded;
DROP INDEX contracts_list_updated;
DROP INDEX contracts_search_counterparty;
DROP INDEX contracts_search_number;
DROP INDEX contracts_search_title;
