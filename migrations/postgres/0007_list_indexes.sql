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

CREATE FUNCTION work_logs_logged() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    l work_logs;
BEGIN
    IF TG_OP = 'DELETE' THEN l := OLD; ELSE l := NEW; END IF;
    UPDATE work_items SET logged_cost = COALESCE((SELECT SUM(x.value) FROM work_logs x
        WHERE x.project_id = l.project_id AND x.work_item_id = l.work_item_id), 0.0)
    WHERE project_id = l.project_id AND work_item_id = l.work_item_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER work_logs_logged AFTER INSERT OR DELETE OR UPDATE OF value ON work_logs
    FOR EACH ROW EXECUTE FUNCTION work_logs_logged();

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

-- Adds (sign 1) or takes away (sign -1) one item's share. Only additions insert rows: a project
-- being deleted (its items cascading) never gets rows back.
CREATE FUNCTION work_item_tally(w work_items, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    est BIGINT := CAST(ROUND(w.estimated_cost * 1000000) AS BIGINT);
    lg BIGINT := CAST(ROUND(w.logged_cost * 1000000) AS BIGINT);
    rem BIGINT := CASE WHEN w.estimated_cost > w.logged_cost THEN est - lg ELSE 0 END;
BEGIN
    IF sign > 0 THEN
        INSERT INTO work_item_tallies AS t (project_id, category_id, stage_id, importance_level_id,
            is_story, n, estimated, logged, remaining)
        VALUES (w.project_id, COALESCE(w.category_id, 0), w.stage_id, w.importance_level_id,
            w.is_story, 1, est, lg, rem)
        ON CONFLICT (project_id, category_id, stage_id, importance_level_id, is_story) DO UPDATE SET
            n = t.n + 1, estimated = t.estimated + EXCLUDED.estimated,
            logged = t.logged + EXCLUDED.logged, remaining = t.remaining + EXCLUDED.remaining;
        INSERT INTO work_item_days AS d (project_id, day, category_id, is_story, n, estimated)
        VALUES (w.project_id, SUBSTR(w.creation_date, 1, 10), COALESCE(w.category_id, 0),
            w.is_story, 1, est)
        ON CONFLICT (project_id, day, category_id, is_story) DO UPDATE SET
            n = d.n + 1, estimated = d.estimated + EXCLUDED.estimated;
    ELSE
        UPDATE work_item_tallies SET n = n - 1, estimated = estimated - est, logged = logged - lg,
            remaining = remaining - rem
        WHERE project_id = w.project_id AND category_id = COALESCE(w.category_id, 0)
            AND stage_id = w.stage_id AND importance_level_id = w.importance_level_id
            AND is_story = w.is_story;
        UPDATE work_item_days SET n = n - 1, estimated = estimated - est
        WHERE project_id = w.project_id AND day = SUBSTR(w.creation_date, 1, 10)
            AND category_id = COALESCE(w.category_id, 0) AND is_story = w.is_story;
    END IF;
END;
$$;

CREATE FUNCTION work_item_tallies_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM work_item_tally(OLD, -1); END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM work_item_tally(NEW, 1); END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER work_item_tallies_ins AFTER INSERT OR DELETE ON work_items
    FOR EACH ROW EXECUTE FUNCTION work_item_tallies_trg();
CREATE TRIGGER work_item_tallies_upd AFTER UPDATE OF category_id, stage_id, importance_level_id,
    is_story, estimated_cost, logged_cost, creation_date ON work_items
    FOR EACH ROW EXECUTE FUNCTION work_item_tallies_trg();

-- A deleted project leaves no totals behind.
CREATE FUNCTION work_item_tallies_project_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM work_item_tallies WHERE project_id = OLD.id;
    DELETE FROM work_item_days WHERE project_id = OLD.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER work_item_tallies_project_del AFTER DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION work_item_tallies_project_del();
