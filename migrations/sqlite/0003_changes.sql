-- The change log (issue 9): every write appends the changes it made in its own transaction.
-- `seq` numbers a project's changes 1, 2, 3… from the project's 'change' sequence, whose row
-- lock also makes a project's changes commit in seq order: a reader that has seen seq N has
-- seen every change before it (the activity feed, the SSE stream and webhooks rely on it).
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    event TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    -- The work item's category, for filtering by the reader's category rights (NULL: not a work item thing).
    category_id BIGINT,
    user_id BIGINT NOT NULL,
    creation_date TEXT NOT NULL,
    -- The entity after the change (before, for a delete) as the API's wire object, camelCase JSON.
    payload TEXT NOT NULL,
    UNIQUE (project_id, seq)
);
CREATE INDEX changes_date ON changes(creation_date);
