-- Append a staged JSON Lines file that has blank lines: the bulk reader skipped them, so a record's line is
-- its record number plus the blank lines before it (line_gaps: `shift` blank lines precede every record
-- numbered above `after`).
INSERT INTO samples
SELECT $first_id + s.rowid, $task, $split, $category, s.instruction, s.input, s.output, s.history,
       $source, $file, s.rowid + 1 + coalesce(g.shift, 0)
FROM stage s ASOF LEFT JOIN line_gaps g ON s.rowid + 1 > g.after
ORDER BY s.rowid;
