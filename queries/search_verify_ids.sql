-- Candidate rows of a search (ids from the index) that also pass the checks the index cannot make
-- (a phrase's word order, a stopword, a fragment, an instruction scope): /*COLUMNS*/ of those rows.
SELECT /*COLUMNS*/ FROM samples WHERE id IN (SELECT unnest($ids)) AND /*WHERE*/ ORDER BY id;
