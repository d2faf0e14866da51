-- A search the index cannot answer (a fragment inside words, stopwords only): a scan of some id ranges
-- of the filter (the caller splices "id BETWEEN a AND b OR ..." and the checks in), $limit rows at most.
SELECT /*COLUMNS*/ FROM samples WHERE /*WHERE*/ ORDER BY id LIMIT $limit;
