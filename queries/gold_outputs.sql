-- Up to $k gold outputs per task of a filter, a seeded sample (the same hash order as Index.sample), for
-- `--max-tokens auto` (runs/auto_tokens.py). The ids are drawn first over the id column, then only those
-- rows' outputs are read.
SELECT task, split, output
FROM samples
WHERE id IN (
    SELECT id
    FROM (SELECT id, row_number() OVER (PARTITION BY task ORDER BY hash(id, $seed), id) AS n
          FROM samples
          WHERE /*WHERE*/)
    WHERE n <= $k
)
ORDER BY task, id
