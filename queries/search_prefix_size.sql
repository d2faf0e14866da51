-- How much a prefix expands to: its distinct words, their postings in all, and whether the shortest one
-- is the prefix itself (from the sorted word list; phrases inside one token left out, as in the postings).
SELECT count(DISTINCT word), coalesce(sum(n), 0)::BIGINT FROM search_words
WHERE word >= $lo AND word < $hi AND NOT contains(word, ' ') AND /*FIELDS*/;
