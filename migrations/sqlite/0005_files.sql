-- Files and attachments (issue 10). A file is one uploaded object of a project; an attachment
-- links it to the work item or design element it was uploaded to. Ids are global (BEHAVIOUR §7).
CREATE TABLE files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- Where it was uploaded: deleting that work item or design element frees the file.
    work_item_id BIGINT,
    design_element_id BIGINT,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    is_image BOOLEAN NOT NULL DEFAULT FALSE,
    -- Unguessable: the public download links carry it instead of an API key.
    token TEXT NOT NULL UNIQUE,
    blob_key TEXT NOT NULL,
    thumb_key TEXT,
    thumb_name TEXT,
    thumb_content_type TEXT,
    thumb_size BIGINT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    creation_date TEXT NOT NULL,
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, design_element_id) REFERENCES design_elements(project_id, design_element_id) ON DELETE CASCADE
);
CREATE INDEX files_project ON files(project_id, id);
CREATE INDEX files_work_item ON files(project_id, work_item_id);
CREATE INDEX files_design_element ON files(project_id, design_element_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    work_item_id BIGINT,
    design_element_id BIGINT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    creation_date TEXT NOT NULL,
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, design_element_id) REFERENCES design_elements(project_id, design_element_id) ON DELETE CASCADE
);
CREATE INDEX attachments_work_item ON attachments(project_id, work_item_id, id);
CREATE INDEX attachments_design_element ON attachments(project_id, design_element_id, id);
CREATE INDEX attachments_file ON attachments(file_id);

-- The work item's card picture (one per item).
ALTER TABLE work_items ADD COLUMN picture_id BIGINT REFERENCES attachments(id) ON DELETE SET NULL;

-- Objects to delete from the blob store. A row is written when a file row goes (by any path:
-- an explicit delete or a cascade from its work item, design element or project), so the
-- object is removed after the deleting transaction commits; and before an upload starts, with
-- a delay, so a crash mid-upload leaves nothing behind for long.
CREATE TABLE blob_trash (
    blob_key TEXT PRIMARY KEY,
    -- unix ms; the sweeper leaves the row alone until then.
    not_before BIGINT NOT NULL
);

CREATE TRIGGER files_to_trash AFTER DELETE ON files
BEGIN
    INSERT OR REPLACE INTO blob_trash (blob_key, not_before) VALUES (OLD.blob_key, 0);
    INSERT OR REPLACE INTO blob_trash (blob_key, not_before)
        SELECT OLD.thumb_key, 0 WHERE OLD.thumb_key IS NOT NULL;
END;
