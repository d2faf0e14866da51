-- Bulk-load one file holding a JSON array of rows. Parameters as ingest_json_lines.sql.
INSERT INTO samples
SELECT $first_id + rn - 1, $task, $split, $category, instruction, input, output, history, $source, $file, rn
FROM (
    SELECT row_number() OVER () AS rn, instruction, input, output, history
    FROM read_json($path, format = 'array', maximum_object_size = 268435456,
                   columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', history: 'VARCHAR[][]'})
);
