//! Full-text search over work items (`searchTerms`), on each backend's own index.
//!
//! The words are cut here, not by the database, so both backends agree on what a word is: a run
//! of alphanumeric characters (Unicode), lower-cased, the first [`MAX_WORDS`] distinct ones of
//! title + description, each at most [`MAX_WORD_BYTES`] long. A search word matches an item when
//! it is a prefix of one of the item's words.
//!
//! The two backends need different statements here (FTS5 against tsvector), so this module
//! branches on `tx.backend()`; the migrations `0006_fulltext` explain both layouts:
//! - SQLite: FTS5 table `work_item_fts` (contentless, `ascii` tokenizer over the space-separated
//!   words), rowid = project_id * 2^32 + work_item_id, so a project is one rowid range and rowid
//!   order is id order. A trigger removes an item's row with the item. Beside it (0008) the
//!   vocabulary `work_item_terms`, every word ever indexed: a search word longer than the FTS5
//!   prefix indexes is replaced by the exact words it starts (see [`Matcher`]).
//! - PostgreSQL: `work_item_search(project_id, work_item_id, words tsvector)` with a GIN index,
//!   built with `array_to_tsvector` (no parser, no stemming), queried with the exact lexemes a
//!   search word starts (`'level' | 'levels'`), looked up in its own vocabulary `work_item_terms`
//!   (0012), or with the prefix lexeme (`'level':*`) when they are too many.

use std::collections::HashSet;

use super::{Backend, DbResult, Tx, Val};
use crate::params;

/// Most words indexed per item; a longer description is still found by its first words.
pub const MAX_WORDS: usize = 2000;

/// Longest word kept, in bytes (cut on a character boundary): PostgreSQL refuses a lexeme over
/// 2,046 bytes. A longer word is indexed, and searched, by its first 2,000 bytes.
pub const MAX_WORD_BYTES: usize = 2000;

/// `project_id * 2^32` (SQLite rowid of the project's first possible item).
const PROJECT_BASE: &str = "4294967296";

/// The distinct lower-cased words of a text, split on anything not alphanumeric.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        let mut w = w.to_lowercase();
        if w.len() > MAX_WORD_BYTES {
            let mut end = MAX_WORD_BYTES;
            while !w.is_char_boundary(end) {
                end -= 1;
            }
            w.truncate(end);
        }
        if seen.insert(w.clone()) {
            out.push(w);
            if out.len() == MAX_WORDS {
                break;
            }
        }
    }
    out
}

/// Replaces the item's entry in the search index with the words of its title and description,
/// and adds any word not seen before to the vocabulary (`work_item_terms`: 0008 on SQLite, 0012
/// on PostgreSQL).
pub async fn index_words(
    tx: &mut Tx,
    project_id: i64,
    work_item_id: i64,
    title: &str,
    description: Option<&str>,
) -> DbResult<()> {
    let words = words(&format!("{title} {}", description.unwrap_or("")));
    let all = words.join(" ");
    match tx.backend() {
        Backend::Sqlite => {
            let rowid = format!("$1 * {PROJECT_BASE} + $2");
            if all.is_empty() {
                tx.exec(
                    &format!("DELETE FROM work_item_fts WHERE rowid = {rowid}"),
                    params![project_id, work_item_id],
                )
                .await?;
            } else {
                tx.exec(
                    &format!(
                        "INSERT OR REPLACE INTO work_item_fts (rowid, words) VALUES ({rowid}, $3)"
                    ),
                    params![project_id, work_item_id, all],
                )
                .await?;
                let list = serde_json::to_string(&words).unwrap_or_else(|_| "[]".into());
                tx.exec(
                    "INSERT OR IGNORE INTO work_item_terms (term) SELECT value FROM json_each($1)",
                    params![list],
                )
                .await?;
            }
        }
        Backend::Postgres => {
            // One statement (one round trip): the vocabulary's new words, then the index row.
            // The vocabulary has no unique key (see 0012), so concurrent writes never wait here.
            tx.exec(
                "WITH new_terms AS (INSERT INTO work_item_terms (term) \
                 SELECT x FROM unnest(string_to_array($3, ' ')) AS x \
                 WHERE NOT EXISTS (SELECT 1 FROM work_item_terms t WHERE t.term = x)) \
                 INSERT INTO work_item_search (project_id, work_item_id, words) \
                 VALUES ($1, $2, array_to_tsvector(string_to_array($3, ' '))) \
                 ON CONFLICT (project_id, work_item_id) DO UPDATE SET words = EXCLUDED.words",
                params![project_id, work_item_id, all],
            )
            .await?;
        }
    }
    Ok(())
}

/// Most vocabulary words a search word is replaced with; a word that starts more is searched
/// as a prefix (one merge of all their entries, as before).
const MAX_EXPANSION: usize = 32;

/// SQLite's prefix indexes (`prefix = '1 2 3 4'` in 0006): a search word of at most this many
/// characters is one lookup there already.
const SQLITE_PREFIX_INDEXED: usize = 4;

/// A search bound into a statement's parameters: every word must be a prefix of a word of the
/// item. `$1` of the statement is the project id.
///
/// A prefix query merges the lists of every indexed word with that prefix into one before it
/// intersects anything (FTS5 for a prefix longer than its prefix indexes, `"level"*`; GIN for
/// any prefix lexeme, `'level':*`, which it reads into a bitmap), so a common word costs its
/// whole list even beside a rare one. So each such search word is first looked up in the
/// vocabulary (every word ever indexed) and replaced by the exact words it starts (`"level" OR
/// "levels"`, `('level' | 'levels')`): exact words are intersected by skipping through their
/// lists, rarest first. On PostgreSQL every word is looked up (it has no prefix index), in one
/// statement for all of them.
pub struct Matcher {
    backend: Backend,
    query: String,
    /// PostgreSQL: the words found in most items, checked on the rows the other words' index
    /// entries give (see `bind`) instead of through the index; a bound `tsquery` parameter.
    filter: Option<String>,
}

/// A lexeme in at least this share of the indexed items (PostgreSQL's statistics) is a common
/// word for `Matcher::bind`.
const COMMON_SHARE: f64 = 0.2;

/// How long the list of common lexemes is used before it is read again.
const COMMON_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// PostgreSQL's most common lexemes of the search index (from `ANALYZE`, which autovacuum runs
/// as the table grows), kept a minute per database; empty before the first analysis. Read on
/// reads only (the reads' memo holds them): a write never searches.
async fn common_lexemes(tx: &mut Tx) -> DbResult<std::sync::Arc<HashSet<String>>> {
    if let Some(set) = tx.memo_common(COMMON_MAX_AGE) {
        return Ok(set);
    }
    let rows: Vec<(String,)> = tx
        .all(
            "SELECT u.e FROM pg_stats s, \
             unnest(CAST(CAST(s.most_common_elems AS TEXT) AS TEXT[]), s.most_common_elem_freqs) \
             AS u(e, f) \
             WHERE s.schemaname = current_schema() AND s.tablename = 'work_item_search' \
             AND s.attname = 'words' AND u.e IS NOT NULL AND u.f >= $1",
            params![COMMON_SHARE],
        )
        .await?;
    let set = std::sync::Arc::new(rows.into_iter().map(|r| r.0).collect::<HashSet<_>>());
    tx.memo_set_common(set.clone());
    Ok(set)
}

/// The upper bound of the words starting with `w`: U+10FFFF is not alphanumeric, so it never
/// follows a prefix inside a word, and it sorts after every other character (byte order).
fn prefix_end(w: &str) -> String {
    format!("{w}\u{10FFFF}")
}

/// A quoted tsquery lexeme. The words are alphanumeric, so no quote or backslash can occur;
/// they are escaped all the same, so no input can ever be read as query syntax.
fn ts_lexeme(w: &str) -> String {
    format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"))
}

impl Matcher {
    /// Binds the query for `words` (non-empty, each a result of [`words`]); None when one of
    /// them starts no indexed word, so nothing can match.
    pub async fn bind(
        tx: &mut Tx,
        words: &[String],
        params: &mut Vec<Val>,
    ) -> DbResult<Option<Matcher>> {
        let backend = tx.backend();
        // The words each needs looked up (SQLite answers short prefixes from its own index).
        let looked: Vec<usize> = (0..words.len())
            .filter(|&i| {
                backend == Backend::Postgres || words[i].chars().count() > SQLITE_PREFIX_INDEXED
            })
            .collect();
        let mut found: Vec<Vec<String>> = vec![Vec::new(); words.len()];
        if !looked.is_empty() {
            let mut lp: Vec<Val> = Vec::new();
            let parts: Vec<String> = looked
                .iter()
                .map(|&i| {
                    lp.push(words[i].clone().into());
                    lp.push(prefix_end(&words[i]).into());
                    let n = lp.len();
                    format!(
                        "SELECT k, term FROM (SELECT CAST({i} AS BIGINT) AS k, term \
                         FROM work_item_terms WHERE term >= ${} AND term < ${} \
                         ORDER BY term LIMIT {}) t{i}",
                        n - 1,
                        n,
                        MAX_EXPANSION + 1
                    )
                })
                .collect();
            let rows: Vec<(i64, String)> = tx.all(&parts.join(" UNION ALL "), &lp).await?;
            for (k, term) in rows {
                let i = usize::try_from(k).unwrap_or(usize::MAX);
                if words.get(i).is_some_and(|w| term.starts_with(w.as_str())) {
                    found[i].push(term);
                }
            }
            if looked.iter().any(|&i| found[i].is_empty()) {
                return Ok(None);
            }
        }
        // PostgreSQL reads with a rarer word beside a common one: the common words are checked on
        // the rows the rarer ones' index entries give. GIN would otherwise decode the common
        // word's whole posting list (most of the project) to intersect it with a few hundred
        // items; checking a few hundred short tsvectors costs less than half of that.
        let common: Vec<bool> = if backend == Backend::Postgres && tx.has_memo() {
            let set = common_lexemes(tx).await?;
            found
                .iter()
                .map(|exact| {
                    !exact.is_empty()
                        && exact.len() <= MAX_EXPANSION
                        && exact.iter().any(|t| set.contains(t))
                })
                .collect()
        } else {
            vec![false; words.len()]
        };
        let split = common.iter().any(|c| *c) && common.iter().any(|c| !*c);
        // The words are alphanumeric, so no quote can occur; they are escaped all the same, so
        // no input can ever be read as query syntax.
        let groups: Vec<String> = words
            .iter()
            .zip(&found)
            .map(|(w, exact)| {
                let expand = !exact.is_empty() && exact.len() <= MAX_EXPANSION;
                match backend {
                    // FTS5: a string in double quotes is a phrase (here one token); `*` makes
                    // it a prefix.
                    Backend::Sqlite if expand => format!(
                        "({})",
                        exact
                            .iter()
                            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                            .collect::<Vec<_>>()
                            .join(" OR ")
                    ),
                    Backend::Sqlite => format!("\"{}\"*", w.replace('"', "\"\"")),
                    // tsquery input (no normalisation, unlike to_tsquery): quoted lexemes,
                    // `:*` prefix.
                    Backend::Postgres if expand => format!(
                        "({})",
                        exact
                            .iter()
                            .map(|t| ts_lexeme(t))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ),
                    Backend::Postgres => format!("{}:*", ts_lexeme(w)),
                }
            })
            .collect();
        let join = |pick: &dyn Fn(usize) -> bool| {
            (0..groups.len())
                .filter(|&i| pick(i))
                .map(|i| groups[i].as_str())
                .collect::<Vec<_>>()
                .join(match backend {
                    Backend::Sqlite => " AND ",
                    Backend::Postgres => " & ",
                })
        };
        params.push(join(&|i| !split || !common[i]).into());
        let query = format!("${}", params.len());
        let filter = split.then(|| {
            params.push(join(&|i| common[i]).into());
            format!("${}", params.len())
        });
        Ok(Some(Matcher {
            backend,
            query,
            filter,
        }))
    }

    /// The PostgreSQL condition on `s` (work_item_search) of the project `$1`. `ts_match_vq`
    /// is `@@` spelled as a function, which the planner never answers from the index.
    fn pg_where(&self) -> String {
        let mut w = format!(
            "s.project_id = $1 AND s.words @@ CAST({} AS tsquery)",
            self.query
        );
        if let Some(f) = &self.filter {
            w.push_str(&format!(" AND ts_match_vq(s.words, CAST({f} AS tsquery))"));
        }
        w
    }

    /// A condition on `w` (work_items) that holds for the matching items.
    pub fn condition(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!(
                "w.work_item_id IN (SELECT f.rowid - $1 * {PROJECT_BASE} FROM work_item_fts f \
                 WHERE {})",
                self.fts_where()
            ),
            Backend::Postgres => format!(
                "w.work_item_id IN (SELECT s.work_item_id FROM work_item_search s WHERE {})",
                self.pg_where()
            ),
        }
    }

    fn fts_where(&self) -> String {
        format!(
            "f.work_item_fts MATCH {} AND f.rowid BETWEEN $1 * {PROJECT_BASE} \
             AND $1 * {PROJECT_BASE} + 4294967295",
            self.query
        )
    }

    /// The number of the project's matching items, from the index alone (for a search with no
    /// other condition).
    pub fn count_sql(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!(
                "SELECT COUNT(*) FROM work_item_fts f WHERE {}",
                self.fts_where()
            ),
            Backend::Postgres => format!(
                "SELECT COUNT(*) FROM work_item_search s WHERE {}",
                self.pg_where()
            ),
        }
    }

    /// For a search and nothing else, in work-item id order on PostgreSQL: one statement that
    /// collects the matches once and answers both the page (`id`, in `dir` order, `limit` and
    /// `offset` bound parameters) and their number (the second column of every row; no row for
    /// a page past the end, and the caller counts with `count_sql`). A rare word beside a common
    /// one matches a few hundred items: one GIN scan and one round trip instead of two each,
    /// and no join. None on SQLite (see `walk_in_id_order`).
    pub fn page_with_count(&self, dir: &str, limit: &str, offset: &str) -> Option<String> {
        match self.backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(format!(
                "WITH m AS MATERIALIZED (SELECT s.work_item_id FROM work_item_search s \
                 WHERE {}) \
                 SELECT p.work_item_id, (SELECT COUNT(*) FROM m) FROM \
                 (SELECT m.work_item_id FROM m ORDER BY m.work_item_id {dir} {}) p \
                 ORDER BY p.work_item_id {dir}",
                self.pg_where(),
                super::limit_offset(limit, offset)
            )),
        }
    }

    /// For a page in work-item id order on SQLite: the FROM clause and condition that walk the
    /// index in rowid (= id) order and look each match up, so a page of a common word stops after
    /// its last row instead of collecting every match first; ORDER BY `f.rowid` then.
    /// None on PostgreSQL (its planner joins the GIN matches itself).
    pub fn walk_in_id_order(&self) -> Option<(&'static str, String)> {
        match self.backend {
            Backend::Sqlite => Some((
                "work_item_fts f CROSS JOIN work_items w",
                format!(
                    "{} AND w.project_id = $1 AND w.work_item_id = f.rowid - $1 * {PROJECT_BASE}",
                    self.fts_where()
                ),
            )),
            Backend::Postgres => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_distinct_lowercase_alphanumeric_runs() {
        assert_eq!(
            words("Fix the double-jump; FIX it, Ünïcode 42x"),
            vec!["fix", "the", "double", "jump", "it", "ünïcode", "42x"]
        );
        let long: String = (0..3000).map(|i| format!("w{i} ")).collect();
        assert_eq!(words(&long).len(), MAX_WORDS);
    }

    #[test]
    fn long_words_are_cut_on_a_character_boundary() {
        let w = words(&"é".repeat(1500));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].len(), MAX_WORD_BYTES);
        let w = words(&format!("a{}", "é".repeat(1500)));
        assert_eq!(w[0].len(), MAX_WORD_BYTES - 1);
    }
}
