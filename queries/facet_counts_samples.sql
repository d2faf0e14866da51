-- Facet counts when the filter includes a text search: a real GROUP BY over the matching samples.
SELECT category, task, split, count(*)::BIGINT AS n
FROM samples
WHERE /*WHERE*/
GROUP BY ALL
ORDER BY category, task, split;
