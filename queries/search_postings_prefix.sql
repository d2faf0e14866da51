-- The postings of every word that starts with a prefix: $lo <= word < $hi (the prefix with its last
-- character's successor), a range the zone maps of the sorted words can skip to. Phrases inside one token
-- ("hepatitis b") are left out: their rows hold their first word too.
SELECT b, p FROM search_postings WHERE word >= $lo AND word < $hi AND NOT contains(word, ' ') AND /*FIELDS*/;
