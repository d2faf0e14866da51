-- The postings of one word (search index): blocks and their BLOBs of uint16 offsets. /*FIELDS*/ picks
-- input (0), output (1) or both. Sorted by word within each chunk, so zone maps skip the other words.
SELECT b, p FROM search_postings WHERE word = $word AND /*FIELDS*/;
