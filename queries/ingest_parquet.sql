-- Bulk-load one parquet file of the Hub's conversion (<config>/<split>/*.parquet). Parameters as
-- ingest_json.sql; the history column is optional in parquet, so the caller names it or NULL.
INSERT INTO samples
SELECT $first_id + rn - 1, $task, $split, $category, instruction, input, output, /*HISTORY*/, $source, $file, rn
FROM (SELECT row_number() OVER () AS rn, * FROM read_parquet($path));
