-- Append the staged file as the block starting at $first_id: ids and record numbers from the stage's rowid.
INSERT INTO samples
SELECT $first_id + rowid, $task, $split, $category, instruction, input, output, history, $source, $file, rowid + 1
FROM stage;
