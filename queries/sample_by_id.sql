SELECT id, task, split, category, instruction, input, output, history, source, file, line
FROM samples WHERE id = $id;
