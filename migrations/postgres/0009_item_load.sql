-- Loading work items (issue 11): what `store::work_items::load` used to compute per item on
-- every read is kept here in the write transaction. Same design as the SQLite file.

-- 1. The item's links, kept on its row by the link tables' triggers, so the main statement reads
--    one row per item: tag_list (its tag ids, comma-separated, any order), user_list (its
--    assignments as `creation_date/user_id`, comma-separated, any order; the reader sorts them),
--    NULL when there are none; has_dependencies (this item depends on another).
--    An insert appends; a delete rebuilds the list from the item's remaining links. A deleted
--    item's own links find no row to update.
ALTER TABLE work_items ADD COLUMN tag_list TEXT;
ALTER TABLE work_items ADD COLUMN user_list TEXT;
ALTER TABLE work_items ADD COLUMN has_dependencies BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE work_items SET tag_list = x.list FROM (SELECT project_id, work_item_id,
        string_agg(CAST(tag_id AS TEXT), ',') AS list FROM work_item_tags
        GROUP BY project_id, work_item_id) x
WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id;
UPDATE work_items SET user_list = x.list FROM (SELECT project_id, work_item_id,
        string_agg(creation_date || '/' || CAST(user_id AS TEXT), ',') AS list FROM work_item_users
        GROUP BY project_id, work_item_id) x
WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id;
UPDATE work_items SET has_dependencies = TRUE WHERE EXISTS (SELECT 1 FROM dependencies x
    WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id);

CREATE FUNCTION work_item_link_lists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'work_item_tags' THEN
        IF TG_OP = 'INSERT' THEN
            UPDATE work_items SET tag_list = CASE WHEN tag_list IS NULL THEN CAST(NEW.tag_id AS TEXT)
                ELSE tag_list || ',' || CAST(NEW.tag_id AS TEXT) END
            WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id;
        ELSE
            UPDATE work_items SET tag_list = (SELECT string_agg(CAST(x.tag_id AS TEXT), ',')
                FROM work_item_tags x
                WHERE x.project_id = OLD.project_id AND x.work_item_id = OLD.work_item_id)
            WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id;
        END IF;
    ELSIF TG_TABLE_NAME = 'work_item_users' THEN
        IF TG_OP = 'INSERT' THEN
            UPDATE work_items SET user_list = CASE WHEN user_list IS NULL
                    THEN NEW.creation_date || '/' || CAST(NEW.user_id AS TEXT)
                ELSE user_list || ',' || NEW.creation_date || '/' || CAST(NEW.user_id AS TEXT) END
            WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id;
        ELSE
            UPDATE work_items SET user_list = (SELECT string_agg(x.creation_date || '/' || CAST(x.user_id AS TEXT), ',')
                FROM work_item_users x
                WHERE x.project_id = OLD.project_id AND x.work_item_id = OLD.work_item_id)
            WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id;
        END IF;
    ELSE
        IF TG_OP = 'INSERT' THEN
            UPDATE work_items SET has_dependencies = TRUE
            WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id
                AND NOT has_dependencies;
        ELSE
            UPDATE work_items SET has_dependencies = EXISTS (SELECT 1 FROM dependencies x
                WHERE x.project_id = OLD.project_id AND x.work_item_id = OLD.work_item_id)
            WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id
                AND has_dependencies;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER work_item_tags_list AFTER INSERT OR DELETE ON work_item_tags
    FOR EACH ROW EXECUTE FUNCTION work_item_link_lists();
CREATE TRIGGER work_item_users_list AFTER INSERT OR DELETE ON work_item_users
    FOR EACH ROW EXECUTE FUNCTION work_item_link_lists();
CREATE TRIGGER dependencies_flag AFTER INSERT OR DELETE ON dependencies
    FOR EACH ROW EXECUTE FUNCTION work_item_link_lists();

-- 2. How many items each design element holds, per (category, stage): a design element's
--    totalWorkItemCount / closedWorkItemCount add up a few rows instead of counting its items
--    (and the categories a member cannot read are subtracted from the same rows).
--    category_id 0 stands for "no category" (user stories).
CREATE TABLE design_element_tallies (
    project_id BIGINT NOT NULL,
    design_element_id BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, design_element_id, category_id, stage_id)
);
INSERT INTO design_element_tallies (project_id, design_element_id, category_id, stage_id, n)
SELECT project_id, design_element_id, COALESCE(category_id, 0), stage_id, COUNT(*)
FROM work_items WHERE design_element_id IS NOT NULL
GROUP BY project_id, design_element_id, COALESCE(category_id, 0), stage_id;

-- Only additions insert rows: a project being deleted (its items cascading) never gets rows back.
CREATE FUNCTION design_element_tallies_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.design_element_id IS NOT DISTINCT FROM NEW.design_element_id
        AND OLD.category_id IS NOT DISTINCT FROM NEW.category_id
        AND OLD.stage_id = NEW.stage_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.design_element_id IS NOT NULL THEN
        UPDATE design_element_tallies SET n = n - 1
        WHERE project_id = OLD.project_id AND design_element_id = OLD.design_element_id
            AND category_id = COALESCE(OLD.category_id, 0) AND stage_id = OLD.stage_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.design_element_id IS NOT NULL THEN
        INSERT INTO design_element_tallies AS t (project_id, design_element_id, category_id, stage_id, n)
        VALUES (NEW.project_id, NEW.design_element_id, COALESCE(NEW.category_id, 0), NEW.stage_id, 1)
        ON CONFLICT (project_id, design_element_id, category_id, stage_id) DO UPDATE SET n = t.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER design_element_tallies_ins AFTER INSERT OR DELETE ON work_items
    FOR EACH ROW EXECUTE FUNCTION design_element_tallies_trg();
CREATE TRIGGER design_element_tallies_upd AFTER UPDATE OF design_element_id, category_id, stage_id
    ON work_items FOR EACH ROW EXECUTE FUNCTION design_element_tallies_trg();

CREATE FUNCTION design_element_tallies_project_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM design_element_tallies WHERE project_id = OLD.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER design_element_tallies_project_del AFTER DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION design_element_tallies_project_del();

-- 3. Versions of the reference rows that work items nest (store::work_items::refs caches them
--    in memory): row `project_id` changes whenever one of that project's categories, stages,
--    importance levels, boards, tags, members or roles, or its default board, changes; row 0
--    whenever a user changes. Each change sets a new random value in the same transaction, so a
--    value names one state of those rows (in any database, any process): a cache entry built at
--    that value is valid exactly while the database still holds it.
CREATE TABLE ref_versions (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
CREATE FUNCTION ref_version_new() RETURNS BIGINT LANGUAGE sql AS $$
    SELECT CAST(FLOOR((random() - 0.5) * 18446744073709551616.0 * 0.999) AS BIGINT)
$$;
INSERT INTO ref_versions (id, version) VALUES (0, ref_version_new());
INSERT INTO ref_versions (id, version) SELECT id, ref_version_new() FROM projects;

CREATE FUNCTION ref_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid BIGINT;
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        pid := 0;
    ELSIF TG_TABLE_NAME = 'projects' THEN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM ref_versions WHERE id = OLD.id;
            RETURN NULL;
        END IF;
        pid := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        pid := OLD.project_id;
    ELSE
        pid := NEW.project_id;
    END IF;
    INSERT INTO ref_versions (id, version) VALUES (pid, ref_version_new())
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END;
$$;
CREATE TRIGGER projects_ref AFTER INSERT OR DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER projects_ref_upd AFTER UPDATE OF default_board_id ON projects
    FOR EACH ROW WHEN (OLD.default_board_id IS DISTINCT FROM NEW.default_board_id)
    EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER users_ref AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER categories_ref AFTER INSERT OR UPDATE OR DELETE ON categories
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER stages_ref AFTER INSERT OR UPDATE OR DELETE ON stages
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER importance_levels_ref AFTER INSERT OR UPDATE OR DELETE ON importance_levels
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER boards_ref AFTER INSERT OR UPDATE OR DELETE ON boards
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER tags_ref AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER project_users_ref AFTER INSERT OR UPDATE OR DELETE ON project_users
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
CREATE TRIGGER roles_ref AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION ref_version_bump();
