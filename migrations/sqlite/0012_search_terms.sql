-- Nothing on SQLite: its vocabulary (work_item_terms) came with 0008. On PostgreSQL 0012 adds the
-- same vocabulary for its searches. The version is kept in step with PostgreSQL's.
SELECT 1;
