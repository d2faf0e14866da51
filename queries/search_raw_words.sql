-- The search index, step 2: the words of each distinct raw token of a chunk (raw_tokens: i, t), stopwords
-- dropped ("protein," and "(Protein" both give "protein"; "IL-6" gives "il" and "6").
SELECT i, w FROM (SELECT i, unnest(search_words(t)) AS w FROM raw_tokens) WHERE NOT list_contains($stop, w);
