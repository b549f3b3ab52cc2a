-- The search vocabulary (issue 11): every word ever indexed in work_item_fts, one row each.
-- A search word is a prefix; FTS5 answers a prefix longer than its prefix indexes (1–4
-- characters) by merging the lists of every word it starts into memory before the AND, so a
-- common word cost its whole list even beside a rare one. The server now looks the prefix up
-- here and asks FTS5 for the exact words it starts ("level" OR "levels"), which FTS5 intersects
-- by skipping through the lists (store::search::Matcher).
-- Words are added on every index write (INSERT OR IGNORE) and never removed: a word no item holds
-- any more just matches nothing, so the table is a superset of the index, never stale.
CREATE TABLE work_item_terms (
    term TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;

CREATE VIRTUAL TABLE temp.work_item_fts_vocab USING fts5vocab(main, work_item_fts, row);

INSERT INTO work_item_terms (term) SELECT term FROM temp.work_item_fts_vocab;

DROP TABLE temp.work_item_fts_vocab;
