-- A bulk file with blank lines: the reader skipped them, so a record's line is its record number plus the
-- blank lines before it (line_gaps: `shift` blank lines precede every record numbered above `after`).
UPDATE samples
SET line = fixed.line
FROM (SELECT s.id, s.line + coalesce(g.shift, 0) AS line
      FROM (SELECT id, line FROM samples WHERE id BETWEEN $first_id AND $last_id) s
      ASOF LEFT JOIN line_gaps g ON s.line > g.after) fixed
WHERE samples.id = fixed.id;
