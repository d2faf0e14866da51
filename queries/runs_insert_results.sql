INSERT INTO results (
    run_id, seq, task, sample_id, split, messages, prompt, prediction, gold, metrics,
    prompt_tokens, completion_tokens, ttft_s, total_s, tokens_per_s, finish_reason, error, error_kind,
    cached, fit, edited
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
