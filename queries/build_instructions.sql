-- Distinct instructions per task, computed once at the end of a build.
DELETE FROM instructions;
INSERT INTO instructions SELECT task, instruction, count(*) FROM samples GROUP BY ALL;
