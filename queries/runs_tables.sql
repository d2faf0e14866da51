-- The tables of an open runs DB (to tell an empty file, a schema-1 file and a versioned one apart).
SELECT table_name FROM duckdb_tables();
