-- The runs database (runs.duckdb, beside the index): one row per run, one per scored sample.
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    created TIMESTAMP,
    finished TIMESTAMP,
    status VARCHAR,                -- running | done | cancelled | failed
    origin VARCHAR,                -- cli | tui
    model VARCHAR, model_id VARCHAR, backend VARCHAR,
    format VARCHAR, shots VARCHAR, seed BIGINT, max_tokens BIGINT, temperature DOUBLE,
    tasks VARCHAR[], split VARCHAR,
    n_planned BIGINT, n_done BIGINT, n_errors BIGINT, n_cached BIGINT,
    duration_s DOUBLE,
    config JSON,                   -- everything needed to resume or repeat the run
    summary JSON,                  -- task -> metric -> {value, n, stderr}
    results_file VARCHAR
);
CREATE TABLE IF NOT EXISTS results (
    run_id VARCHAR, seq BIGINT, task VARCHAR, sample_id BIGINT, split VARCHAR,
    messages JSON, prompt VARCHAR, prediction VARCHAR, gold VARCHAR, metrics JSON,
    prompt_tokens BIGINT, completion_tokens BIGINT, ttft_s DOUBLE, total_s DOUBLE, tokens_per_s DOUBLE,
    finish_reason VARCHAR, error VARCHAR, cached BOOLEAN, fit VARCHAR, edited BOOLEAN
);
