-- Nothing on PostgreSQL. On SQLite 0008 adds the search vocabulary (work_item_terms), so that a
-- search word is replaced by the exact indexed words it starts; measured on PostgreSQL the same
-- replacement made searches slower than its GIN index's own prefix lexemes ('level':*), so it
-- was left out here (store::search::Matcher). The version is kept in step with SQLite's.
SELECT 1;
