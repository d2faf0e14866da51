-- Indexed row counts per task and split beside the catalog's paper sizes.
SELECT t.name, t.category, t.known, t.in_medinst32, t.metric_type, t.difficulty,
       t.paper_train, t.paper_dev, t.paper_test,
       coalesce(sum(b.n) FILTER (WHERE b.split = 'train'), 0)::BIGINT AS train,
       coalesce(sum(b.n) FILTER (WHERE b.split = 'dev'), 0)::BIGINT AS dev,
       coalesce(sum(b.n) FILTER (WHERE b.split = 'test'), 0)::BIGINT AS test
FROM tasks t LEFT JOIN blocks b ON b.task = t.name
GROUP BY ALL
ORDER BY t.category, t.name;
