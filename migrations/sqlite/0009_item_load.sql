-- Loading work items (issue 11): what `store::work_items::load` used to compute per item on
-- every read is kept here in the write transaction.

-- 1. The item's links, kept on its row by the link tables' triggers, so the main statement reads
--    one row per item: tag_list (its tag ids, comma-separated, any order), user_list (its
--    assignments as `creation_date/user_id`, comma-separated, any order; the reader sorts them),
--    NULL when there are none; has_dependencies (this item depends on another).
--    An insert appends; a delete rebuilds the list from the item's remaining links. A deleted
--    item's own links find no row to update.
ALTER TABLE work_items ADD COLUMN tag_list TEXT;
ALTER TABLE work_items ADD COLUMN user_list TEXT;
ALTER TABLE work_items ADD COLUMN has_dependencies BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE work_items SET tag_list = (SELECT group_concat(CAST(x.tag_id AS TEXT), ',') FROM work_item_tags x
    WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id)
WHERE EXISTS (SELECT 1 FROM work_item_tags x
    WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id);
UPDATE work_items SET user_list = (SELECT group_concat(x.creation_date || '/' || CAST(x.user_id AS TEXT), ',')
    FROM work_item_users x
    WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id)
WHERE EXISTS (SELECT 1 FROM work_item_users x
    WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id);
UPDATE work_items SET has_dependencies = TRUE WHERE EXISTS (SELECT 1 FROM dependencies x
    WHERE x.project_id = work_items.project_id AND x.work_item_id = work_items.work_item_id);

CREATE TRIGGER work_item_tags_list_ins AFTER INSERT ON work_item_tags
BEGIN
    UPDATE work_items SET tag_list = CASE WHEN tag_list IS NULL THEN CAST(NEW.tag_id AS TEXT)
        ELSE tag_list || ',' || CAST(NEW.tag_id AS TEXT) END
    WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id;
END;
CREATE TRIGGER work_item_tags_list_del AFTER DELETE ON work_item_tags
BEGIN
    UPDATE work_items SET tag_list = (SELECT group_concat(CAST(x.tag_id AS TEXT), ',')
        FROM work_item_tags x WHERE x.project_id = OLD.project_id AND x.work_item_id = OLD.work_item_id)
    WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id;
END;
CREATE TRIGGER work_item_users_list_ins AFTER INSERT ON work_item_users
BEGIN
    UPDATE work_items SET user_list = CASE WHEN user_list IS NULL
            THEN NEW.creation_date || '/' || CAST(NEW.user_id AS TEXT)
        ELSE user_list || ',' || NEW.creation_date || '/' || CAST(NEW.user_id AS TEXT) END
    WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id;
END;
CREATE TRIGGER work_item_users_list_del AFTER DELETE ON work_item_users
BEGIN
    UPDATE work_items SET user_list = (SELECT group_concat(x.creation_date || '/' || CAST(x.user_id AS TEXT), ',')
        FROM work_item_users x WHERE x.project_id = OLD.project_id AND x.work_item_id = OLD.work_item_id)
    WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id;
END;
CREATE TRIGGER dependencies_flag_ins AFTER INSERT ON dependencies
BEGIN
    UPDATE work_items SET has_dependencies = TRUE
    WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id AND NOT has_dependencies;
END;
CREATE TRIGGER dependencies_flag_del AFTER DELETE ON dependencies
BEGIN
    UPDATE work_items SET has_dependencies = EXISTS (SELECT 1 FROM dependencies x
        WHERE x.project_id = OLD.project_id AND x.work_item_id = OLD.work_item_id)
    WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id AND has_dependencies;
END;

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

CREATE TRIGGER design_element_tallies_ins AFTER INSERT ON work_items
WHEN NEW.design_element_id IS NOT NULL
BEGIN
    INSERT INTO design_element_tallies (project_id, design_element_id, category_id, stage_id, n)
    VALUES (NEW.project_id, NEW.design_element_id, COALESCE(NEW.category_id, 0), NEW.stage_id, 1)
    ON CONFLICT (project_id, design_element_id, category_id, stage_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER design_element_tallies_del AFTER DELETE ON work_items
WHEN OLD.design_element_id IS NOT NULL
BEGIN
    UPDATE design_element_tallies SET n = n - 1
    WHERE project_id = OLD.project_id AND design_element_id = OLD.design_element_id
        AND category_id = COALESCE(OLD.category_id, 0) AND stage_id = OLD.stage_id;
END;
CREATE TRIGGER design_element_tallies_upd AFTER UPDATE OF design_element_id, category_id, stage_id
    ON work_items
WHEN OLD.design_element_id IS NOT NEW.design_element_id OR OLD.category_id IS NOT NEW.category_id
    OR OLD.stage_id IS NOT NEW.stage_id
BEGIN
    UPDATE design_element_tallies SET n = n - 1
    WHERE project_id = OLD.project_id AND design_element_id = OLD.design_element_id
        AND category_id = COALESCE(OLD.category_id, 0) AND stage_id = OLD.stage_id;
    INSERT INTO design_element_tallies (project_id, design_element_id, category_id, stage_id, n)
    SELECT NEW.project_id, NEW.design_element_id, COALESCE(NEW.category_id, 0), NEW.stage_id, 1
    WHERE NEW.design_element_id IS NOT NULL
    ON CONFLICT (project_id, design_element_id, category_id, stage_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER design_element_tallies_project_del AFTER DELETE ON projects
BEGIN
    DELETE FROM design_element_tallies WHERE project_id = OLD.id;
END;

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
INSERT INTO ref_versions (id, version) VALUES (0, random());
INSERT INTO ref_versions (id, version) SELECT id, random() FROM projects;

CREATE TRIGGER projects_ref_ins AFTER INSERT ON projects
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER projects_ref_upd AFTER UPDATE OF default_board_id ON projects
WHEN OLD.default_board_id IS NOT NEW.default_board_id
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER projects_ref_del AFTER DELETE ON projects
BEGIN
    DELETE FROM ref_versions WHERE id = OLD.id;
END;
CREATE TRIGGER users_ref_upd AFTER UPDATE ON users
BEGIN
    UPDATE ref_versions SET version = random() WHERE id = 0;
END;
CREATE TRIGGER users_ref_del AFTER DELETE ON users
BEGIN
    UPDATE ref_versions SET version = random() WHERE id = 0;
END;
CREATE TRIGGER categories_ref_ins AFTER INSERT ON categories
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER categories_ref_upd AFTER UPDATE ON categories
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER categories_ref_del AFTER DELETE ON categories
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER stages_ref_ins AFTER INSERT ON stages
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER stages_ref_upd AFTER UPDATE ON stages
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER stages_ref_del AFTER DELETE ON stages
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER importance_levels_ref_ins AFTER INSERT ON importance_levels
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER importance_levels_ref_upd AFTER UPDATE ON importance_levels
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER importance_levels_ref_del AFTER DELETE ON importance_levels
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER boards_ref_ins AFTER INSERT ON boards
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER boards_ref_upd AFTER UPDATE ON boards
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER boards_ref_del AFTER DELETE ON boards
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER tags_ref_ins AFTER INSERT ON tags
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER tags_ref_upd AFTER UPDATE ON tags
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER tags_ref_del AFTER DELETE ON tags
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER project_users_ref_ins AFTER INSERT ON project_users
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER project_users_ref_upd AFTER UPDATE ON project_users
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER project_users_ref_del AFTER DELETE ON project_users
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER roles_ref_ins AFTER INSERT ON roles
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER roles_ref_upd AFTER UPDATE ON roles
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (NEW.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER roles_ref_del AFTER DELETE ON roles
BEGIN
    INSERT INTO ref_versions (id, version) VALUES (OLD.project_id, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
END;
