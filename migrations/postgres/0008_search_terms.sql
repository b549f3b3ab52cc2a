-- The search vocabulary (issue 11): every word ever indexed in work_item_search, one row each.
-- A prefix lexeme ('level':*) makes GIN collect the entries of every word it starts into one
-- bitmap before the AND, so a common word cost its whole list even beside a rare one. The server
-- now looks the prefix up here and asks for the exact words it starts ('level' | 'levels'),
-- which GIN intersects by skipping through the posting lists, rarest first
-- (store::search::Matcher). COLLATE "C": byte order, so the words starting with a prefix are
-- one range whatever the database's collation.
-- Words are added on every index write and never removed: a word no item holds any more just
-- matches nothing, so the table is a superset of the index, never stale.
CREATE TABLE work_item_terms (
    term TEXT COLLATE "C" NOT NULL PRIMARY KEY
);

INSERT INTO work_item_terms (term)
SELECT DISTINCT t FROM work_item_search, unnest(tsvector_to_array(words)) AS t;
