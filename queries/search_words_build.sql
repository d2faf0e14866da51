-- The indexed words, sorted, with their postings per field (rebuilt after every change of the postings).
DELETE FROM search_words;
INSERT INTO search_words SELECT word, field, sum(n)::BIGINT FROM search_postings GROUP BY ALL ORDER BY word, field;
