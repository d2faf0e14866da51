-- The search index, step 1 for one chunk of ids and one text column (/*FIELD*/): split at spaces (the
-- cheapest split DuckDB has) and collect, per raw token and block of 65,536 ids, the rows' offsets in
-- the block. Raw tokens are normalized to words afterwards, once per distinct token (search_raw_words),
-- not once per occurrence; stopwords are dropped there too (a filter here cost more than it saved).
SELECT t, b, list(o) AS l
FROM (SELECT (id >> 16)::INTEGER AS b, (id & 65535)::USMALLINT AS o, unnest(string_split(/*FIELD*/, ' ')) AS t
      FROM samples
      WHERE id BETWEEN $lo AND $hi)
GROUP BY ALL;
