DROP INDEX documents_tenant_contract;
