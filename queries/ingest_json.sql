-- Bulk-load one JSON file (optionally .gz) as the block starting at $first_id. $format is
-- 'newline_delimited' (JSON Lines) or 'array'. Types are checked afterwards by validate_block.sql.
INSERT INTO samples
SELECT $first_id + rn - 1, $task, $split, $category, instruction, input, output, history, $source, $file, rn
FROM (
    SELECT row_number() OVER () AS rn, instruction, input, output, history
    FROM read_json($path, format = $format, maximum_object_size = 268435456,
                   columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', history: 'VARCHAR[][]'})
);
