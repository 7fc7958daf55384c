DROP TABLE bulk_send_rows;
DROP TABLE bulk_sends;
