-- Full-text search (issue 11): SQLite's own FTS5 index replaces the hand-made word table.
-- The server cuts the words (store::search::words: lower-cased alphanumeric runs, the first 2000
-- distinct ones of title + description) and stores them space-separated; the `ascii` tokenizer
-- splits that text back into exactly those words (it only breaks on ASCII non-alphanumerics and
-- keeps every non-ASCII character), so SQLite and PostgreSQL agree on what a word is.
-- Contentless (the words are not stored twice); contentless_delete lets a row be replaced or
-- deleted by rowid. detail=none: a search only asks which items hold a word. The prefix indexes
-- make short prefixes (`t`, `ju`) one doclist instead of a merge of every word they start.
-- rowid = project_id * 2^32 + work_item_id: stable (work_items' own rowid is not, VACUUM may
-- renumber it), one project is one rowid range, and rowid order is work-item id order.
CREATE VIRTUAL TABLE work_item_fts USING fts5(
    words,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = none,
    prefix = '1 2 3 4'
);

INSERT INTO work_item_fts (rowid, words)
SELECT project_id * 4294967296 + work_item_id, group_concat(word, ' ')
FROM work_item_words
GROUP BY project_id, work_item_id;

-- Whatever removes an item (its own DELETE, a project's cascade) removes its words.
CREATE TRIGGER work_items_fts_delete AFTER DELETE ON work_items BEGIN
    DELETE FROM work_item_fts WHERE rowid = old.project_id * 4294967296 + old.work_item_id;
END;

DROP TABLE work_item_words;
