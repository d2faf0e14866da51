-- How many candidate rows pass the checks the index cannot make, per category x task x split.
SELECT category, task, split, count(*)::BIGINT FROM samples
WHERE id IN (SELECT unnest($ids)) AND /*WHERE*/ GROUP BY ALL;
