-- A run as it ends (RunTotals and the summary with each task's headline and intervals).
UPDATE runs SET
    status = $status, n_done = $n_done, n_errors = $n_errors, n_cancelled = $n_cancelled,
    n_cached = $n_cached, duration_s = $duration_s, finished = $finished, summary = $summary
WHERE id = $id;
