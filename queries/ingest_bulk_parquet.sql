-- Append a batch of parquet files (the Hub's conversion, <config>/<split>/*.parquet) in ONE statement, as
-- ingest_bulk_jsonl does for JSON Lines. The caller sends only files whose columns are text, so nothing
-- can be a coerced number: a row is marked -3 (not indexable: a missing value, a history that is not a
-- list of [user, assistant] pairs; the file then goes to the exact reader) or -1 (clean); `line` holds the
-- file's index in the batch until ingest_number_rows gives ids and record numbers. /*HISTORY*/ is the
-- history column, or NULL when no file of the batch has one (union_by_name fills it for those without).
INSERT INTO samples
SELECT CASE
           WHEN instruction IS NULL OR input IS NULL OR output IS NULL
               OR (h IS NOT NULL AND list_contains(list_transform(h,
                       lambda p: p IS NULL OR len(p) <> 2 OR p[1] IS NULL OR p[2] IS NULL), true)) THEN -3
           ELSE -1
       END,
       $tasks[file_index::BIGINT + 1], $splits[file_index::BIGINT + 1], $categories[file_index::BIGINT + 1],
       coalesce(instruction, ''), coalesce(input, ''), coalesce(output, ''), h, $source,
       $labels[file_index::BIGINT + 1], file_index
FROM (SELECT instruction, input, output, /*HISTORY*/ AS h, file_index
      FROM read_parquet($paths, union_by_name = true));
