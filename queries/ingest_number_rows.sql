-- Give the rows of a bulk batch their ids and lines: the batch's rowids are contiguous and in file order,
-- so id = rowid - $first_rowid + $first_id (contiguous per file) and line = the record's place in its
-- file ($file_rowids: each file's first rowid, by its index in the batch).
UPDATE samples
SET id = rowid - $first_rowid + $first_id,
    line = rowid - $file_rowids[line + 1] + 1
WHERE id < 0;
