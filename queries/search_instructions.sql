-- An `instruction:` search: the distinct instructions per task and split that pass the term's check
-- (/*WHERE*/ on `instruction`), beside all of that task and split's instructions.
SELECT task, split, instruction, n, /*WHERE*/ AS hit FROM instructions;
