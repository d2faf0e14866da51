SELECT instruction, n FROM instructions WHERE task = $task ORDER BY n DESC, instruction;
