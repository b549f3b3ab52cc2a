-- The search vocabulary on PostgreSQL too (SQLite has had it since 0008): every word ever indexed
-- in work_item_search. A prefix lexeme ('level':*) makes the GIN index read the posting list of
-- every word it starts into one bitmap before the AND, so a word in most items cost its whole
-- list even beside a rare one. The server now looks a search word up here and asks for the exact
-- words it starts ('level' | 'levels'), which GIN intersects by skipping through the lists,
-- rarest first (store::search::Matcher).
-- Words are added by the statement that writes an item's index row and never removed: the table
-- is a superset of the index, never stale. No unique key: two writes adding the same new word at
-- once would otherwise wait on each other (or deadlock); a duplicate only makes a lookup fall
-- back to the prefix lexeme sooner. Byte order ("C"), so that a prefix is one range.
CREATE TABLE work_item_terms (
    term TEXT COLLATE "C" NOT NULL
);

INSERT INTO work_item_terms (term)
SELECT DISTINCT unnest(tsvector_to_array(words)) FROM work_item_search;

CREATE INDEX work_item_terms_term ON work_item_terms (term);
