-- A run by its id or an unambiguous prefix of it (`medinst runs show 2026`).
SELECT * FROM runs WHERE starts_with(id, $id) ORDER BY id;
