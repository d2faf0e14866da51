SELECT instruction, sum(n)::BIGINT AS n FROM instructions WHERE task = $task GROUP BY ALL ORDER BY n DESC, instruction;
