-- Distinct instructions per task and split, computed once at the end of a build.
DELETE FROM instructions;
INSERT INTO instructions SELECT task, split, instruction, count(*) FROM samples GROUP BY ALL;
