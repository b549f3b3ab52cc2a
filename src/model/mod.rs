//! Wire types shared by several API groups, and the helpers every group uses to read input.
//! Types used by one group only live in that group's `http/<group>.rs`.

pub mod board;
pub mod config;
pub mod design_element;
pub mod file;
pub mod members;
pub mod metrics;
pub mod paging;
pub mod parts;
pub mod permissions;
pub mod project;
pub mod shared;
pub mod user;
pub mod validate;
pub mod work_item;

pub use board::*;
pub use config::*;
pub use design_element::*;
pub use file::*;
pub use members::*;
pub use metrics::*;
pub use paging::*;
pub use parts::*;
pub use permissions::*;
pub use project::*;
pub use shared::Shared;
pub use user::*;
pub use validate::*;
pub use work_item::*;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Now, in the one date format Questlog writes: `YYYY-MM-DDTHH:MM:SS.fffZ`.
pub fn now() -> String {
    format_date(now_utc())
}

/// A fixed "now" for the whole process (`questlog sandbox --clock`), set once at start.
static CLOCK: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();

/// Fixes "now" for the rest of the process; false if it was already fixed.
pub fn fix_clock(at: DateTime<Utc>) -> bool {
    CLOCK.set(at).is_ok()
}

/// The current time, or the fixed one.
pub fn now_utc() -> DateTime<Utc> {
    CLOCK.get().copied().unwrap_or_else(Utc::now)
}

pub fn format_date(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses the date forms clients send (`2026-06-30T00:00:00Z`, with millis or an offset,
/// without a zone, or date-only `2026-04-01`) into the stored UTC form.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return in_range(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return in_range(d.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return in_range(d.and_hms_opt(0, 0, 0)?.and_utc());
    }
    None
}

/// Years outside 1..=9999 cannot be written back in the 4-digit format.
fn in_range(d: DateTime<Utc>) -> Option<String> {
    use chrono::Datelike;
    (1..=9999).contains(&d.year()).then(|| format_date(d))
}

/// Deserializer for PATCH fields: distinguishes an absent field (`None`) from an explicit
/// `null` (`Some(None)`). Use with `#[serde(default, deserialize_with = "model::patch")]`.
pub fn patch<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(d).map(Some)
}

/// Writes a whole-number `f64` as a JSON integer (`8`, not `8.0`): the reference's examples are
/// integers and strictly typed clients (.NET `int`) reject `8.0`.
pub fn num<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_normalise() {
        assert_eq!(
            parse_date("2026-06-30T00:00:00Z").unwrap(),
            "2026-06-30T00:00:00.000Z"
        );
        assert_eq!(
            parse_date("2026-06-30T00:00:00.123Z").unwrap(),
            "2026-06-30T00:00:00.123Z"
        );
        assert_eq!(
            parse_date("2026-04-01").unwrap(),
            "2026-04-01T00:00:00.000Z"
        );
        assert_eq!(
            parse_date("2026-04-01T10:00:00+02:00").unwrap(),
            "2026-04-01T08:00:00.000Z"
        );
        assert!(parse_date("yesterday").is_none());
        assert!(parse_date("2026-13-01").is_none());
    }
}
