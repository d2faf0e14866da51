-- Check a staged file before it is trusted. `bad`: rows that are certainly not indexable (a missing field,
-- a history that is not a list of [user, assistant] pairs): the file goes to the exact reader, which
-- reports them by line. `suspect`: rows with a value that reads like a JSON number/boolean/null/object/
-- array the bulk reader coerced to text (it turns 5 into '5'); JSON files with any are checked once more
-- by their JSON types (validate_types), so a clean file of "3"s (STS scores, labels) stays on this path.
SELECT count(*) AS n,
       count(*) FILTER (WHERE instruction IS NULL OR input IS NULL OR output IS NULL
           OR (history IS NOT NULL AND list_contains(list_transform(history,
                   lambda p: p IS NULL OR len(p) <> 2 OR p[1] IS NULL OR p[2] IS NULL), true))
       ) AS bad,
       count(*) FILTER (WHERE looks_coerced(instruction) OR looks_coerced(input) OR looks_coerced(output)
           OR (history IS NOT NULL
               AND list_contains(list_transform(flatten(history), lambda t: looks_coerced(t)), true))
       ) AS suspect
FROM stage;
