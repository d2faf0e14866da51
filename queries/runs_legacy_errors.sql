-- Distinct error messages of results stored without an error kind (schema 1).
SELECT DISTINCT error FROM results WHERE error IS NOT NULL AND error_kind IS NULL;
