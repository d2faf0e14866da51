-- The search index, step 2: the words of each distinct raw token of a chunk (raw_tokens: i, t), stopwords
-- dropped ("protein," and "(Protein" both give "protein"; "IL-6" gives "il" and "6"). A token of 2 to
-- $max_compound words also gives its words joined by spaces ("il 6", "mg kg", "sars cov 2"): the rows
-- where that phrase sits inside one token, which a phrase query then needs not read.
WITH split AS (SELECT i, search_words(t) AS ws FROM raw_tokens)
SELECT i, w FROM (SELECT i, unnest(ws) AS w FROM split) WHERE NOT list_contains($stop, w)
UNION ALL
SELECT i, array_to_string(ws, ' ') FROM split WHERE len(ws) BETWEEN 2 AND $max_compound;
