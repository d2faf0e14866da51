-- Schema 2, after results.error_kind is filled in: cancelled samples leave n_errors, and a run stored as
-- `done` although some samples failed becomes `partial` (or `failed` when none was scored).
UPDATE runs SET n_cancelled = c.n, n_errors = greatest(coalesce(runs.n_errors, 0) - c.n, 0)
FROM (SELECT run_id, count(*) AS n FROM results WHERE error_kind = 'cancelled' GROUP BY run_id) AS c
WHERE runs.id = c.run_id;
UPDATE runs SET n_cancelled = 0 WHERE n_cancelled IS NULL;
UPDATE runs SET status = CASE WHEN coalesce(n_done, 0) = 0 THEN 'failed' ELSE 'partial' END
WHERE status = 'done' AND n_errors > 0;
