-- The web app's sign-in (issue 13): passwords, sessions and login throttling.

-- A user's password as an argon2id PHC string; no row = the user cannot sign in to the web app
-- (API keys still work). A table of its own so the portable export, which copies every column
-- of `users`, never carries password data.
CREATE TABLE user_passwords (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A browser session. The cookie carries a random token; only its SHA-256 is stored, so a leaked
-- database cannot be replayed as cookies. Times are Unix seconds: expiry checks compare numbers.
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The per-session CSRF token forms and fetches echo back.
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- The absolute expiry; the idle expiry is last_seen_at + the idle limit.
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- Failed sign-ins, counted per username and per client IP over a sliding window.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_ip ON login_failures(ip, at);
