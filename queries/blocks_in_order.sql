-- The blocks under a structural filter in id order, to turn "row N of the filter" into an id.
SELECT first_id, n FROM blocks WHERE /*WHERE*/ ORDER BY first_id;
