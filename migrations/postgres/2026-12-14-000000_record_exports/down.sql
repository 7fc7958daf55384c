DROP TABLE record_exports;
