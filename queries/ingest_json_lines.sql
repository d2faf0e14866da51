-- Bulk-load one JSON Lines file (optionally .gz) as the block starting at $first_id.

INSERT INTO samples
SELECT $first_id + rn - 1, $task, $split, $category, instruction, input, output, history, $source, $file, rn
FROM (
    SELECT row_number() OVER () AS rn, instruction, input, output, history
    FROM read_json($path, format = 'newline_delimited', maximum_object_size = 268435456,
                   columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', history: 'VARCHAR[][]'})
);
