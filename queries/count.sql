-- Exact number of rows under a filter (with a text search this is a full scan: run it in the background).
SELECT count(*)::BIGINT FROM samples WHERE /*WHERE*/;
