-- What `questlog import hacknplan` brought in (issue 12 §1): one row per imported object, keyed
-- by the API it came from, so a rerun replaces what it owns and refuses to touch anything else.
-- kind: 'project', 'user', 'workspace', 'team'.
CREATE TABLE hosted_imports (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    import_date TEXT NOT NULL,
    PRIMARY KEY (source, kind, object_id)
);
CREATE INDEX hosted_imports_object ON hosted_imports(kind, object_id);
