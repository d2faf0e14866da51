-- Helpers of the ingest checks (temporary: they live in the build's connection only).
-- A text the bulk reader may have made from a JSON number, boolean, null, object or array.
CREATE OR REPLACE TEMP MACRO looks_coerced(v) AS
    regexp_full_match(v, '-?[0-9][0-9.eE+-]*|true|false|null')
    OR CASE WHEN v[1] IN ('{', '[') AND json_valid(v) THEN json_type(v) IN ('OBJECT', 'ARRAY') ELSE false END;
