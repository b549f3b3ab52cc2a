-- Questlog schema. Ids named in BEHAVIOUR.md §7 as per-project are composite keys
-- (project_id, <entity>_id); global ids are identity columns. Dates are ISO-8601 UTC
-- text (YYYY-MM-DDTHH:MM:SS.fffZ), which sorts chronologically on both backends.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    creation_date TEXT NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    revoked_date TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    general_info TEXT,
    total_seats BIGINT NOT NULL DEFAULT 0,
    creation_date TEXT NOT NULL
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    creator_id BIGINT NOT NULL REFERENCES users(id),
    creation_date TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE workspace_users (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    team_id BIGINT REFERENCES teams(id) ON DELETE SET NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_guest BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_users_user ON workspace_users(user_id);
CREATE INDEX workspace_users_team ON workspace_users(team_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    description TEXT,
    general_info TEXT,
    closing_date TEXT,
    creation_date TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    cost_metric TEXT NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    hours_per_day DOUBLE PRECISION NOT NULL DEFAULT 8.0,
    module_config TEXT NOT NULL,
    default_board_id BIGINT
);
CREATE INDEX projects_workspace ON projects(workspace_id);

-- Next value of each per-project sequence (kind = 'category', 'stage', 'workitem', ...).
-- UPDATE ... RETURNING on this row is atomic on both backends and serialises concurrent creates.
CREATE TABLE project_sequences (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    last_value BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, kind)
);

CREATE TABLE categories (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    icon TEXT,
    color TEXT,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, category_id)
);

CREATE TABLE stages (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    stage_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    icon TEXT,
    color TEXT,
    status TEXT NOT NULL,
    is_unblocker BOOLEAN NOT NULL DEFAULT FALSE,
    display_order BIGINT NOT NULL,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, stage_id)
);

CREATE TABLE importance_levels (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    importance_level_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    icon TEXT,
    color TEXT,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, importance_level_id)
);

CREATE TABLE design_element_types (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    design_element_type_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    icon TEXT,
    color TEXT,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, design_element_type_id)
);

CREATE TABLE tags (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    icon TEXT,
    color TEXT,
    display_icon_only BOOLEAN NOT NULL DEFAULT FALSE,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, tag_id)
);

-- permissions: JSON {categoryPermissions:[{categoryId,canRead,canWrite,canUpdate}],
-- gameDesignModelPermissions:{canRead,canWrite}}
CREATE TABLE roles (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    permissions TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, role_id)
);

CREATE TABLE project_users (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id BIGINT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_guest BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (project_id, role_id) REFERENCES roles(project_id, role_id)
);
CREATE INDEX project_users_user ON project_users(user_id);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    general_info TEXT,
    start_date TEXT,
    due_date TEXT,
    closing_date TEXT,
    creation_date TEXT NOT NULL,
    creator_id BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX milestones_project ON milestones(project_id);

CREATE TABLE boards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    milestone_id BIGINT REFERENCES milestones(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    description TEXT,
    general_info TEXT,
    start_date TEXT,
    due_date TEXT,
    closing_date TEXT,
    creation_date TEXT NOT NULL,
    creator_id BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX boards_project ON boards(project_id);
CREATE INDEX boards_milestone ON boards(milestone_id);

CREATE TABLE design_elements (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    design_element_id BIGINT NOT NULL,
    design_element_type_id BIGINT NOT NULL,
    parent_id BIGINT,
    sibling_index BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    description TEXT,
    start_date TEXT,
    due_date TEXT,
    creation_date TEXT NOT NULL,
    update_date TEXT NOT NULL,
    creator_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (project_id, design_element_id),
    FOREIGN KEY (project_id, design_element_type_id) REFERENCES design_element_types(project_id, design_element_type_id),
    FOREIGN KEY (project_id, parent_id) REFERENCES design_elements(project_id, design_element_id)
);
CREATE INDEX design_elements_parent ON design_elements(project_id, parent_id, sibling_index);
CREATE INDEX design_elements_type ON design_elements(project_id, design_element_type_id);

CREATE TABLE design_element_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    design_element_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    update_date TEXT,
    FOREIGN KEY (project_id, design_element_id) REFERENCES design_elements(project_id, design_element_id) ON DELETE CASCADE
);
CREATE INDEX design_element_comments_element ON design_element_comments(project_id, design_element_id, id);

-- category_id is NULL for user stories (shown as the built-in category -1).
CREATE TABLE work_items (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    work_item_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    is_story BOOLEAN NOT NULL DEFAULT FALSE,
    parent_story_id BIGINT,
    category_id BIGINT,
    estimated_cost DOUBLE PRECISION NOT NULL DEFAULT 0.0,
    importance_level_id BIGINT NOT NULL,
    board_id BIGINT REFERENCES boards(id) ON DELETE SET NULL,
    board_index BIGINT NOT NULL DEFAULT 0,
    design_element_id BIGINT,
    design_element_index BIGINT NOT NULL DEFAULT 0,
    stage_id BIGINT NOT NULL,
    start_date TEXT,
    due_date TEXT,
    closing_date TEXT,
    creation_date TEXT NOT NULL,
    update_date TEXT NOT NULL,
    creator_id BIGINT NOT NULL REFERENCES users(id),
    last_sub_task_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, work_item_id),
    FOREIGN KEY (project_id, parent_story_id) REFERENCES work_items(project_id, work_item_id),
    FOREIGN KEY (project_id, category_id) REFERENCES categories(project_id, category_id),
    FOREIGN KEY (project_id, importance_level_id) REFERENCES importance_levels(project_id, importance_level_id),
    FOREIGN KEY (project_id, design_element_id) REFERENCES design_elements(project_id, design_element_id),
    FOREIGN KEY (project_id, stage_id) REFERENCES stages(project_id, stage_id)
);
CREATE INDEX work_items_board ON work_items(project_id, board_id, board_index);
CREATE INDEX work_items_board_only ON work_items(board_id);
CREATE INDEX work_items_category ON work_items(project_id, category_id);
CREATE INDEX work_items_stage ON work_items(project_id, stage_id);
CREATE INDEX work_items_importance ON work_items(project_id, importance_level_id);
CREATE INDEX work_items_design_element ON work_items(project_id, design_element_id);
CREATE INDEX work_items_parent ON work_items(project_id, parent_story_id);
CREATE INDEX work_items_update_date ON work_items(project_id, update_date);

-- Inverted index for searchTerms: one row per distinct lower-cased word of title + description.
-- Words compare in byte order on both backends, so a prefix search is an index range.
CREATE TABLE work_item_words (
    project_id BIGINT NOT NULL,
    word TEXT NOT NULL,
    work_item_id BIGINT NOT NULL,
    PRIMARY KEY (project_id, word, work_item_id),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);
CREATE INDEX work_item_words_item ON work_item_words(project_id, work_item_id);

CREATE TABLE work_item_users (
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, work_item_id, user_id),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);
CREATE INDEX work_item_users_user ON work_item_users(project_id, user_id);

CREATE TABLE work_item_tags (
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    PRIMARY KEY (project_id, work_item_id, tag_id),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, tag_id) REFERENCES tags(project_id, tag_id) ON DELETE CASCADE
);
CREATE INDEX work_item_tags_tag ON work_item_tags(project_id, tag_id);

CREATE TABLE sub_tasks (
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    sub_task_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    is_completed BOOLEAN NOT NULL DEFAULT FALSE,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, work_item_id, sub_task_id),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);

-- work_item_id depends on depends_on_id (the predecessor).
CREATE TABLE dependencies (
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    depends_on_id BIGINT NOT NULL,
    creation_date TEXT NOT NULL,
    PRIMARY KEY (project_id, work_item_id, depends_on_id),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, depends_on_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);
CREATE INDEX dependencies_predecessor ON dependencies(project_id, depends_on_id);

CREATE TABLE work_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    value DOUBLE PRECISION NOT NULL,
    description TEXT,
    date TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);
CREATE INDEX work_logs_item ON work_logs(project_id, work_item_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL,
    work_item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    work_log_id BIGINT REFERENCES work_logs(id) ON DELETE SET NULL,
    creation_date TEXT NOT NULL,
    update_date TEXT,
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items(project_id, work_item_id) ON DELETE CASCADE
);
CREATE INDEX comments_item ON comments(project_id, work_item_id, id);
