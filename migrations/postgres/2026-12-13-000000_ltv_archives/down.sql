DROP TABLE ltv_archives;
