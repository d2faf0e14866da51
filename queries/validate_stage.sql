-- Rows of a staged file that the bulk reader may have mangled: a missing field, or a value that
-- reads like a coerced JSON number/boolean/object/array (the bulk reader turns 5 into '5').
-- Any hit sends the file to the exact line-by-line check; clean files (nearly all) pay one scan.
SELECT count(*) AS n,
       count(*) FILTER (WHERE instruction IS NULL OR input IS NULL OR output IS NULL
           OR regexp_full_match(instruction, '-?[0-9][0-9.eE+-]*|true|false|null')
           OR regexp_full_match(input, '-?[0-9][0-9.eE+-]*|true|false|null')
           OR regexp_full_match(output, '-?[0-9][0-9.eE+-]*|true|false|null')
           OR CASE WHEN input[1] IN ('{', '[') AND json_valid(input)
                   THEN json_type(input) IN ('OBJECT', 'ARRAY') ELSE false END
           OR CASE WHEN output[1] IN ('{', '[') AND json_valid(output)
                   THEN json_type(output) IN ('OBJECT', 'ARRAY') ELSE false END
           OR CASE WHEN instruction[1] IN ('{', '[') AND json_valid(instruction)
                   THEN json_type(instruction) IN ('OBJECT', 'ARRAY') ELSE false END
       ) AS suspect
FROM stage;
