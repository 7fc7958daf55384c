DROP TABLE disposal_records;
DROP TABLE disposition_items;
DROP TABLE disposition_requests;
DROP TABLE legal_holds;
DROP TABLE retention_rules;
