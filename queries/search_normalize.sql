-- A query's terms folded and split into words exactly as the index read the text (search_words).
SELECT list_transform($texts, lambda t: search_words(t)), list_transform($texts, lambda t: search_fold(t));
