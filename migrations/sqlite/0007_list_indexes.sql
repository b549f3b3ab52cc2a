-- Lists, totals and metrics at scale (issue 11).

-- Filters the list offers, each ending in the default order (the id), so a page reads its rows
-- in order from the index instead of sorting every match; and the due-date sort as the list
-- writes it (NULLs last), so a deep page walks the index.
CREATE INDEX work_items_category_importance ON work_items(project_id, category_id, importance_level_id, work_item_id);
CREATE INDEX work_items_stage_category ON work_items(project_id, stage_id, category_id, work_item_id);
CREATE INDEX work_items_importance_id ON work_items(project_id, importance_level_id, work_item_id);
CREATE INDEX work_items_board_id ON work_items(project_id, board_id, work_item_id);
CREATE INDEX work_items_due_date ON work_items(project_id, (due_date IS NULL), due_date, work_item_id);
DROP INDEX work_items_importance;

-- The item's logged cost (the sum of its work logs), kept by the work-log triggers below, so
-- lists and metrics read one column instead of summing the logs of every item.
ALTER TABLE work_items ADD COLUMN logged_cost DOUBLE PRECISION NOT NULL DEFAULT 0.0;
UPDATE work_items SET logged_cost = COALESCE((SELECT SUM(l.value) FROM work_logs l
    WHERE l.project_id = work_items.project_id AND l.work_item_id = work_items.work_item_id), 0.0);

CREATE TRIGGER work_logs_logged_ins AFTER INSERT ON work_logs
BEGIN
    UPDATE work_items SET logged_cost = COALESCE((SELECT SUM(l.value) FROM work_logs l
        WHERE l.project_id = NEW.project_id AND l.work_item_id = NEW.work_item_id), 0.0)
    WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id;
END;
CREATE TRIGGER work_logs_logged_upd AFTER UPDATE OF value ON work_logs
BEGIN
    UPDATE work_items SET logged_cost = COALESCE((SELECT SUM(l.value) FROM work_logs l
        WHERE l.project_id = NEW.project_id AND l.work_item_id = NEW.work_item_id), 0.0)
    WHERE project_id = NEW.project_id AND work_item_id = NEW.work_item_id;
END;
CREATE TRIGGER work_logs_logged_del AFTER DELETE ON work_logs
BEGIN
    UPDATE work_items SET logged_cost = COALESCE((SELECT SUM(l.value) FROM work_logs l
        WHERE l.project_id = OLD.project_id AND l.work_item_id = OLD.work_item_id), 0.0)
    WHERE project_id = OLD.project_id AND work_item_id = OLD.work_item_id;
END;

-- Running totals of a project's work items per (category, stage, importance level, story flag),
-- kept in the write transaction by the triggers below: a list's totalCount without a filter (or
-- filtered on those columns only) and the project's metrics add up a few hundred rows instead of
-- reading every item. category_id 0 stands for "no category". Costs are kept in millionths
-- (integers), so adding and removing never drifts.
CREATE TABLE work_item_tallies (
    project_id BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    stage_id BIGINT NOT NULL,
    importance_level_id BIGINT NOT NULL,
    is_story BOOLEAN NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    -- Sums of estimated_cost, logged_cost, and of (estimated - logged) where positive, in millionths.
    estimated BIGINT NOT NULL DEFAULT 0,
    logged BIGINT NOT NULL DEFAULT 0,
    remaining BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, category_id, stage_id, importance_level_id, is_story)
);

-- Items created per day (UTC date of creation_date), for the 7-day "variation" of the metrics.
CREATE TABLE work_item_days (
    project_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    is_story BOOLEAN NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    estimated BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, category_id, is_story)
);
CREATE INDEX work_items_creation_date ON work_items(project_id, creation_date);

INSERT INTO work_item_tallies (project_id, category_id, stage_id, importance_level_id, is_story,
    n, estimated, logged, remaining)
SELECT project_id, COALESCE(category_id, 0), stage_id, importance_level_id, is_story, COUNT(*),
    SUM(CAST(ROUND(estimated_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(logged_cost * 1000000) AS BIGINT)),
    SUM(CASE WHEN estimated_cost > logged_cost
        THEN CAST(ROUND(estimated_cost * 1000000) AS BIGINT) - CAST(ROUND(logged_cost * 1000000) AS BIGINT)
        ELSE 0 END)
FROM work_items GROUP BY project_id, COALESCE(category_id, 0), stage_id, importance_level_id, is_story;

INSERT INTO work_item_days (project_id, day, category_id, is_story, n, estimated)
SELECT project_id, SUBSTR(creation_date, 1, 10), COALESCE(category_id, 0), is_story, COUNT(*),
    SUM(CAST(ROUND(estimated_cost * 1000000) AS BIGINT))
FROM work_items GROUP BY project_id, SUBSTR(creation_date, 1, 10), COALESCE(category_id, 0), is_story;

CREATE TRIGGER work_item_tallies_ins AFTER INSERT ON work_items
BEGIN
    INSERT INTO work_item_tallies (project_id, category_id, stage_id, importance_level_id, is_story,
        n, estimated, logged, remaining)
    VALUES (NEW.project_id, COALESCE(NEW.category_id, 0), NEW.stage_id, NEW.importance_level_id,
        NEW.is_story, 1, CAST(ROUND(NEW.estimated_cost * 1000000) AS BIGINT),
        CAST(ROUND(NEW.logged_cost * 1000000) AS BIGINT),
        CASE WHEN NEW.estimated_cost > NEW.logged_cost
            THEN CAST(ROUND(NEW.estimated_cost * 1000000) AS BIGINT) - CAST(ROUND(NEW.logged_cost * 1000000) AS BIGINT)
            ELSE 0 END)
    ON CONFLICT (project_id, category_id, stage_id, importance_level_id, is_story) DO UPDATE SET
        n = n + 1, estimated = estimated + excluded.estimated, logged = logged + excluded.logged,
        remaining = remaining + excluded.remaining;
    INSERT INTO work_item_days (project_id, day, category_id, is_story, n, estimated)
    VALUES (NEW.project_id, SUBSTR(NEW.creation_date, 1, 10), COALESCE(NEW.category_id, 0),
        NEW.is_story, 1, CAST(ROUND(NEW.estimated_cost * 1000000) AS BIGINT))
    ON CONFLICT (project_id, day, category_id, is_story) DO UPDATE SET
        n = n + 1, estimated = estimated + excluded.estimated;
END;

CREATE TRIGGER work_item_tallies_del AFTER DELETE ON work_items
BEGIN
    UPDATE work_item_tallies SET n = n - 1,
        estimated = estimated - CAST(ROUND(OLD.estimated_cost * 1000000) AS BIGINT),
        logged = logged - CAST(ROUND(OLD.logged_cost * 1000000) AS BIGINT),
        remaining = remaining - CASE WHEN OLD.estimated_cost > OLD.logged_cost
            THEN CAST(ROUND(OLD.estimated_cost * 1000000) AS BIGINT) - CAST(ROUND(OLD.logged_cost * 1000000) AS BIGINT)
            ELSE 0 END
    WHERE project_id = OLD.project_id AND category_id = COALESCE(OLD.category_id, 0)
        AND stage_id = OLD.stage_id AND importance_level_id = OLD.importance_level_id
        AND is_story = OLD.is_story;
    UPDATE work_item_days SET n = n - 1,
        estimated = estimated - CAST(ROUND(OLD.estimated_cost * 1000000) AS BIGINT)
    WHERE project_id = OLD.project_id AND day = SUBSTR(OLD.creation_date, 1, 10)
        AND category_id = COALESCE(OLD.category_id, 0) AND is_story = OLD.is_story;
END;

CREATE TRIGGER work_item_tallies_upd AFTER UPDATE OF category_id, stage_id, importance_level_id,
    is_story, estimated_cost, logged_cost, creation_date ON work_items
BEGIN
    UPDATE work_item_tallies SET n = n - 1,
        estimated = estimated - CAST(ROUND(OLD.estimated_cost * 1000000) AS BIGINT),
        logged = logged - CAST(ROUND(OLD.logged_cost * 1000000) AS BIGINT),
        remaining = remaining - CASE WHEN OLD.estimated_cost > OLD.logged_cost
            THEN CAST(ROUND(OLD.estimated_cost * 1000000) AS BIGINT) - CAST(ROUND(OLD.logged_cost * 1000000) AS BIGINT)
            ELSE 0 END
    WHERE project_id = OLD.project_id AND category_id = COALESCE(OLD.category_id, 0)
        AND stage_id = OLD.stage_id AND importance_level_id = OLD.importance_level_id
        AND is_story = OLD.is_story;
    INSERT INTO work_item_tallies (project_id, category_id, stage_id, importance_level_id, is_story,
        n, estimated, logged, remaining)
    VALUES (NEW.project_id, COALESCE(NEW.category_id, 0), NEW.stage_id, NEW.importance_level_id,
        NEW.is_story, 1, CAST(ROUND(NEW.estimated_cost * 1000000) AS BIGINT),
        CAST(ROUND(NEW.logged_cost * 1000000) AS BIGINT),
        CASE WHEN NEW.estimated_cost > NEW.logged_cost
            THEN CAST(ROUND(NEW.estimated_cost * 1000000) AS BIGINT) - CAST(ROUND(NEW.logged_cost * 1000000) AS BIGINT)
            ELSE 0 END)
    ON CONFLICT (project_id, category_id, stage_id, importance_level_id, is_story) DO UPDATE SET
        n = n + 1, estimated = estimated + excluded.estimated, logged = logged + excluded.logged,
        remaining = remaining + excluded.remaining;
    UPDATE work_item_days SET n = n - 1,
        estimated = estimated - CAST(ROUND(OLD.estimated_cost * 1000000) AS BIGINT)
    WHERE project_id = OLD.project_id AND day = SUBSTR(OLD.creation_date, 1, 10)
        AND category_id = COALESCE(OLD.category_id, 0) AND is_story = OLD.is_story;
    INSERT INTO work_item_days (project_id, day, category_id, is_story, n, estimated)
    VALUES (NEW.project_id, SUBSTR(NEW.creation_date, 1, 10), COALESCE(NEW.category_id, 0),
        NEW.is_story, 1, CAST(ROUND(NEW.estimated_cost * 1000000) AS BIGINT))
    ON CONFLICT (project_id, day, category_id, is_story) DO UPDATE SET
        n = n + 1, estimated = estimated + excluded.estimated;
END;

-- A deleted project leaves no totals behind (its items' triggers have already run).
CREATE TRIGGER work_item_tallies_project_del AFTER DELETE ON projects
BEGIN
    DELETE FROM work_item_tallies WHERE project_id = OLD.id;
    DELETE FROM work_item_days WHERE project_id = OLD.id;
END;
