-- The second look at a JSON file with suspect values: read again with every field as raw JSON, count the
-- records whose fields are not strings or whose history is not a list of [user, assistant] string pairs.
SELECT count(*) FILTER (WHERE coalesce(json_type(instruction), '') <> 'VARCHAR'
           OR coalesce(json_type(input), '') <> 'VARCHAR'
           OR coalesce(json_type(output), '') <> 'VARCHAR'
           OR (history IS NOT NULL AND NOT (json_type(history) = 'ARRAY'
               AND len(list_filter(json_array_length(history, '$[*]'), lambda n: n <> 2)) = 0
               AND len(list_filter(json_type(history, '$[*][*]'), lambda t: t <> 'VARCHAR')) = 0))
       ) AS wrong
FROM read_json($path, format = $format, maximum_object_size = 268435456,
               columns = {instruction: 'JSON', input: 'JSON', output: 'JSON', history: 'JSON'});
