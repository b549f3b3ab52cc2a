-- Full-text search (issue 11): a tsvector per work item with a GIN index replaces the hand-made
-- word table. The server cuts the words (store::search::words: lower-cased alphanumeric runs, the
-- first 2000 distinct ones of title + description) and the tsvector is built from them with
-- array_to_tsvector (no parser, no dictionary, no stemming), so PostgreSQL and SQLite agree on
-- what a word is; searches are tsqueries of prefix lexemes ('jump':* & 'air':*).
-- A table of its own rather than a column of work_items: editing an item's stage or board then
-- does not rewrite its index entries.
CREATE TABLE work_item_search (
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    words tsvector NOT NULL,
    PRIMARY KEY (project_id, work_item_id),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);

INSERT INTO work_item_search (project_id, work_item_id, words)
SELECT project_id, work_item_id, array_to_tsvector(array_agg(word))
FROM work_item_words
GROUP BY project_id, work_item_id;

CREATE INDEX work_item_search_words ON work_item_search USING gin (words);

DROP TABLE work_item_words;
