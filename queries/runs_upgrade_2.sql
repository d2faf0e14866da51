-- Schema 2: each result says what kind of error it had (results.error_kind: a backend ErrorKind value,
-- `prompt`, or `unknown`; NULL without error), and a run counts its cancelled samples apart from its
-- errors. The error kinds of older rows are filled in by runs/store.py from their messages.
ALTER TABLE results ADD COLUMN error_kind VARCHAR;
ALTER TABLE runs ADD COLUMN n_cancelled BIGINT DEFAULT 0;
