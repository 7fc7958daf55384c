DROP TABLE template_documents;
DROP TABLE document_templates;
