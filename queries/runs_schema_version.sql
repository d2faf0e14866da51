-- runs.duckdb's schema version: one row per upgrade applied (medinst_tui/runs/store.py UPGRADES, in order).
-- A runs DB without this table was written before versioning: its tables are schema 1 (runs_schema.sql).
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL,
    applied TIMESTAMP NOT NULL,
    note VARCHAR
);
