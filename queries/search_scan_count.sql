-- The exact count of a scanned search over some id ranges, per category x task x split.
SELECT category, task, split, count(*)::BIGINT FROM samples WHERE /*WHERE*/ GROUP BY ALL;
