-- The index schema. One row per sample; tasks, blocks and instructions are small side tables.
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS tasks (
    name VARCHAR PRIMARY KEY,
    category VARCHAR NOT NULL,
    known BOOLEAN NOT NULL,          -- false: a task name met while indexing that the catalog lacks
    paper_train BIGINT, paper_dev BIGINT, paper_test BIGINT,
    in_medinst32 BOOLEAN,
    medinst32_test_rows BIGINT,
    metric_type VARCHAR,
    difficulty INTEGER,
    paper_metric VARCHAR
);

-- A block is the rows of one source file: ids are contiguous inside a block, so counts under a
-- structural filter and "row N of the filter" never need to scan samples.
CREATE TABLE IF NOT EXISTS blocks (
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    first_id BIGINT NOT NULL,
    n BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS samples (
    id BIGINT NOT NULL,              -- stable within an index build; ordered by block
    task VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    instruction VARCHAR NOT NULL,
    input VARCHAR NOT NULL,
    output VARCHAR NOT NULL,
    history VARCHAR[][],
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT NOT NULL             -- 1-based line (JSON Lines) or record number (arrays, parquet)
);

-- Distinct instructions per task and split (an `instruction:` search is answered from here).
CREATE TABLE IF NOT EXISTS instructions (task VARCHAR, split VARCHAR, instruction VARCHAR, n BIGINT);

CREATE TABLE IF NOT EXISTS sources (
    name VARCHAR PRIMARY KEY, kind VARCHAR, location VARCHAR, indexed_at TIMESTAMP,
    files BIGINT, rows BIGINT, skipped BIGINT
);

-- The search index (see store/search_build.py): for each word (lowercased, accents stripped, split at
-- anything that is not a letter or digit) and each block of 65,536 ids, the rows that hold it, as a BLOB
-- of little-endian uint16 offsets into the block (id = (b << 16) + offset; unsorted, may repeat).
-- field 0: input, 1: output. Rows are sorted by word within each chunk of 2^20 ids, so a word's rows
-- sit in one row group per chunk and its zone maps skip the rest.
CREATE TABLE IF NOT EXISTS search_postings (field UTINYINT NOT NULL, word VARCHAR NOT NULL,
    b INTEGER NOT NULL, n INTEGER NOT NULL, p BLOB NOT NULL);
-- Every indexed word with the number of postings it has per field (an upper bound of its rows), sorted:
-- prefix expansion (`hepat*`) and the absent-word answer come from here.
CREATE TABLE IF NOT EXISTS search_words (word VARCHAR NOT NULL, field UTINYINT NOT NULL, n BIGINT NOT NULL);
