-- Stage one parquet file of the Hub's conversion (<config>/<split>/*.parquet); the history column is
-- optional in parquet, so the caller names it or NULL.
CREATE OR REPLACE TEMP TABLE stage AS
SELECT instruction::VARCHAR AS instruction, input::VARCHAR AS input, output::VARCHAR AS output,
       /*HISTORY*/ AS history
FROM read_parquet($path);
