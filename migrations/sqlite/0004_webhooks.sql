-- Project webhooks (issue 9 §3): the hooks, their subscriptions, the outbox of deliveries and
-- the attempt log. Times the dispatcher compares are unix milliseconds; wire dates are text.
CREATE TABLE webhooks (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    webhook_id BIGINT NOT NULL,
    url TEXT NOT NULL,
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- JSON array of "Name: value" strings, as the API returns them.
    headers TEXT NOT NULL DEFAULT '[]',
    format TEXT NOT NULL DEFAULT 'hacknplan',
    secret TEXT,
    creator_id BIGINT NOT NULL REFERENCES users(id),
    creation_date TEXT NOT NULL,
    -- The dispatcher instance working this webhook's queue, until lease_until (ms).
    lease_owner TEXT,
    lease_until BIGINT,
    PRIMARY KEY (project_id, webhook_id)
);

-- One row per subscribed event, so the outbox insert of a change is one indexed join.
CREATE TABLE webhook_events (
    project_id BIGINT NOT NULL,
    webhook_id BIGINT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (project_id, event, webhook_id),
    FOREIGN KEY (project_id, webhook_id) REFERENCES webhooks(project_id, webhook_id) ON DELETE CASCADE
);
CREATE INDEX webhook_events_hook ON webhook_events(project_id, webhook_id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL,
    webhook_id BIGINT NOT NULL,
    change_id BIGINT NOT NULL,
    event TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    -- The entity in camelCase as the change recorded it; PascalCase is applied at send time.
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_status_code BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    creation_date TEXT NOT NULL,
    redelivery_of BIGINT,
    FOREIGN KEY (project_id, webhook_id) REFERENCES webhooks(project_id, webhook_id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(project_id, webhook_id, status, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_change ON webhook_deliveries(project_id, change_id);

CREATE TABLE webhook_attempts (
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    webhook_id BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    attempted_date TEXT NOT NULL,
    status_code BIGINT,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    response TEXT,
    success BOOLEAN NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_hook ON webhook_attempts(project_id, webhook_id, attempted_at);
