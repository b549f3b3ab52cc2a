//! Markdown → safe HTML for work item descriptions and comments: pulldown-cmark renders,
//! ammonia sanitizes the result (whatever HTML the author typed: scripts, event handlers,
//! `javascript:` links are dropped), so the output can go into a page as it is.

use maud::PreEscaped;
use pulldown_cmark::{Options, Parser, html};

/// The sanitized HTML of `src`.
pub fn render(src: &str) -> PreEscaped<String> {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(src.len() * 2);
    html::push_html(&mut raw, Parser::new_ext(src, opts));
    // ammonia's defaults: a tag/attribute allow-list, http(s)/mailto URLs only, and
    // rel="noopener noreferrer" on every link.
    PreEscaped(ammonia::clean(&raw))
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown() {
        let h = render("# Title\n\n*soft* **bold** `code`\n\n- a\n- b\n").0;
        assert!(h.contains("<h1>Title</h1>"), "{h}");
        assert!(h.contains("<em>soft</em>"), "{h}");
        assert!(h.contains("<strong>bold</strong>"), "{h}");
        assert!(h.contains("<code>code</code>"), "{h}");
        assert!(h.contains("<li>a</li>"), "{h}");
    }

    #[test]
    fn strips_scripts_and_handlers() {
        let h = render("<script>alert(1)</script><img src=x onerror=alert(2)>").0;
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
        let h = render("[x](javascript:alert(3)) <a href=\"javascript:alert(4)\">y</a>").0;
        assert!(!h.contains("href=\"javascript"), "{h}");
    }

    #[test]
    fn links_get_noopener() {
        let h = render("[site](https://example.org)").0;
        assert!(h.contains("href=\"https://example.org\""), "{h}");
        assert!(h.contains("noopener"), "{h}");
    }

    #[test]
    fn escapes_text() {
        let h = render("a < b & c").0;
        assert!(h.contains("a &lt; b &amp; c"), "{h}");
    }
}
