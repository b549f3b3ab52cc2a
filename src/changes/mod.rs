//! The change log and what reads it. (Placeholder until the change log lands on main: only the
//! webhook side lives here yet.)

pub mod dispatch;
pub mod format;
pub mod payload;
