//! Markdown to HTML (`markdown.wasm`), by pulldown-cmark.

use pulldown_cmark::{Options, Parser, html};

wit_bindgen::generate!({ world: "markdown", path: "wit" });

struct Markdown;

impl Guest for Markdown {
    fn render(text: String) -> String {
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES;
        let mut out = String::with_capacity(text.len() * 5 / 4);
        html::push_html(&mut out, Parser::new_ext(&text, options));
        out
    }
}

export!(Markdown);
