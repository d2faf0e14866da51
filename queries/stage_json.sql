-- Stage one JSON file (JSON Lines or an array, optionally .gz) in a temporary table. A plain CTAS lets
-- DuckDB parse in parallel and keeps file order (insertion order), so rowid = record number - 1.
CREATE OR REPLACE TEMP TABLE stage AS
SELECT instruction, input, output, history
FROM read_json($path, format = $format, maximum_object_size = 268435456,
               columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', history: 'VARCHAR[][]'});
