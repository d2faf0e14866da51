-- Helpers of the ingest checks (temporary: they live in the build's connection only).
-- A text the bulk reader may have made from a JSON number, boolean, null, object or array. The first
-- character decides cheaply (most text starts with a letter or a space); only the rest pay for a regex.
CREATE OR REPLACE TEMP MACRO looks_coerced(v) AS
    ascii(v) IN (45, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 91, 102, 110, 116, 123)
    AND (regexp_full_match(v, '-?[0-9][0-9.eE+-]*|true|false|null')
         OR CASE WHEN v[1] IN ('{', '[') AND json_valid(v) THEN json_type(v) IN ('OBJECT', 'ARRAY') ELSE false END);
-- The search index's words (store/search_build.py, store/search.py): lowercase, accents stripped and a few
-- letters that have no accent to strip spelled out (ß -> ss, æ -> ae ...), then split at everything that
-- is not a letter or a digit; a Chinese or Japanese character (written without spaces) is a word of its
-- own, so "乳腺癌" is found as the phrase of its three characters. The same macros read the text and the
-- query, so both fold alike.
CREATE OR REPLACE TEMP MACRO search_fold(t) AS
    replace(replace(replace(replace(replace(replace(replace(replace(strip_accents(lower(t)),
        'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'ø', 'o'), 'ł', 'l'), 'đ', 'd'), 'ð', 'd'), 'þ', 'th');
CREATE OR REPLACE TEMP MACRO search_words(t) AS
    regexp_extract_all(search_fold(t), '[\p{Han}\p{Hiragana}\p{Katakana}]|[\p{L}\p{N}]+');
