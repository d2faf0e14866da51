-- A run as it starts (RunHeader); runs_finish.sql completes it.
INSERT OR REPLACE INTO runs (
    id, created, status, origin, model, model_id, backend, format, shots, seed, max_tokens, temperature,
    tasks, split, n_planned, n_done, n_errors, n_cancelled, n_cached, config, results_file
) VALUES (
    $id, $created, 'running', $origin, $model, $model_id, $backend, $format, $shots, $seed, $max_tokens,
    $temperature, $tasks, $split, $n_planned, 0, 0, 0, 0, $config, $results_file
);
