//! Field validation that collects every problem into HacknPlan's `modelState`.

use std::collections::BTreeMap;

use crate::ops::OpError;

pub const NAME_MAX: usize = 255;
pub const TEXT_MAX: usize = 100_000;
pub const COLOR_MAX: usize = 32;
pub const COMMENT_MAX: usize = 5000;

#[derive(Default)]
pub struct Check {
    errors: BTreeMap<String, Vec<String>>,
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`; a message the field already has is not repeated (a list
    /// of several blank sub-task titles is one "required" message, not one per title).
    pub fn fail(&mut self, field: &str, msg: impl Into<String>) {
        let msg = msg.into();
        let list = self.errors.entry(field.to_string()).or_default();
        if !list.contains(&msg) {
            list.push(msg);
        }
    }

    /// The due date may not come before the start date (both in the stored form, which sorts
    /// as text): boards, milestones and work items alike.
    pub fn date_order(&mut self, start: Option<&str>, due: Option<&str>) {
        if let (Some(s), Some(d)) = (start, due)
            && d < s
        {
            self.fail("dueDate", "The due date can't be before the start date.");
        }
    }

    /// A string field: no NUL characters (PostgreSQL cannot store them), at most `max` chars.
    pub fn text(&mut self, field: &str, v: Option<&str>, max: usize) {
        if let Some(s) = v {
            if s.contains('\0') {
                self.fail(field, format!("The {field} contains invalid characters."));
            } else if s.chars().count() > max {
                self.fail(
                    field,
                    format!("The {field} can't be longer than {max} characters."),
                );
            }
        }
    }

    /// A required name: present, not blank, at most 255 chars.
    pub fn name(&mut self, field: &str, v: Option<&str>) {
        match v {
            None => self.fail(field, format!("The {field} is required.")),
            Some(s) if s.trim().is_empty() => self.fail(field, format!("The {field} is required.")),
            Some(s) => self.text(field, Some(s), NAME_MAX),
        }
    }

    /// An optional colour: `#` and 3, 6 or 8 hex digits (`#3498db`).
    pub fn color(&mut self, field: &str, v: Option<&str>) {
        if let Some(s) = v {
            let hex = s.strip_prefix('#').unwrap_or("");
            if s.len() > COLOR_MAX
                || ![3, 6, 8].contains(&hex.len())
                || !hex.chars().all(|c| c.is_ascii_hexdigit())
            {
                self.fail(field, format!("The {field} is not a valid hex colour."));
            }
        }
    }

    /// An optional date; returns it in the stored form.
    pub fn date(&mut self, field: &str, v: Option<&str>) -> Option<String> {
        let s = v?;
        match super::parse_date(s) {
            Some(d) => Some(d),
            None => {
                self.fail(field, format!("The {field} is not a valid date."));
                None
            }
        }
    }

    /// A finite, non-negative number no larger than a billion (costs, hours).
    pub fn amount(&mut self, field: &str, v: Option<f64>) {
        if let Some(x) = v
            && (!x.is_finite() || !(0.0..=1e9).contains(&x))
        {
            self.fail(
                field,
                format!("The {field} must be between 0 and 1000000000."),
            );
        }
    }

    /// The look of a configuration entity: a hex `color` and an `icon` name.
    pub fn look(&mut self, color: Option<&str>, icon: Option<&str>) {
        self.color("color", color);
        self.text("icon", icon, NAME_MAX);
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), OpError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(OpError::Validation(self.errors))
        }
    }
}
