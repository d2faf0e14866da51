-- Every block (one source file's contiguous ids) with its facet keys, in id order: the search answers
-- counts and facets by placing matching ids in these.
SELECT first_id, n, category, task, split, source FROM blocks ORDER BY first_id;
