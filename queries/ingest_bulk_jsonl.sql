-- Append a batch of JSON Lines files in ONE statement, as DuckDB's own bulk load would: every file is
-- parsed in parallel, and insertion order (preserve_insertion_order) keeps file after file, record after
-- record, so a row's rowid says where it came from. DuckDB's default maximum_object_size (16 MB) keeps
-- its buffers small enough to parse in parallel and to write row groups as they fill (a record beyond it
-- fails the batch, whose files are then read one by one with a 256 MB limit).
-- Ids are not known yet: `line` holds the file's index in the batch and `id` a negative mark, set while
-- the row passes (no second scan of the text): -3 a row that is certainly not indexable (a missing field,
-- a history that is not a list of [user, assistant] pairs), -2 a value that reads like a JSON number/
-- boolean/null/object/array the bulk reader coerced to text (that file gets a second look by its JSON
-- types, so clean STS scores and labels stay here), -1 a clean row. ingest_number_rows gives ids.
INSERT INTO samples
SELECT CASE
           WHEN instruction IS NULL OR input IS NULL OR output IS NULL
               OR (history IS NOT NULL AND list_contains(list_transform(history,
                       lambda p: p IS NULL OR len(p) <> 2 OR p[1] IS NULL OR p[2] IS NULL), true)) THEN -3
           WHEN looks_coerced(instruction) OR looks_coerced(input) OR looks_coerced(output)
               OR (history IS NOT NULL
                   AND list_contains(list_transform(flatten(history), lambda t: looks_coerced(t)), true)) THEN -2
           ELSE -1
       END,
       $tasks[file_index::BIGINT + 1], $splits[file_index::BIGINT + 1], $categories[file_index::BIGINT + 1],
       coalesce(instruction, ''), coalesce(input, ''), coalesce(output, ''), history, $source,
       $labels[file_index::BIGINT + 1], file_index
FROM read_json($paths, format = 'newline_delimited',
               columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', history: 'VARCHAR[][]'});
