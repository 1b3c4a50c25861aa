//! The small page the browser shows at the end. Everything that came from the request is
//! escaped: an `error_description` is attacker-controlled text.

/// Escapes the five HTML-significant characters.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A response for the browser: status and a complete HTML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub status: u16,
    pub html: String,
}

impl Page {
    fn new(status: u16, title: &str, message: &str) -> Self {
        let (title, message) = (html_escape(title), html_escape(message));
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{title}</title></head>\n<body style=\"font-family:sans-serif;margin:3em\">\
             <h1>{title}</h1>\n<p>{message}</p>\n\
             <p>You may close this window and return to Brokerdesk.</p></body></html>\n"
        );
        Self { status, html }
    }

    pub fn signed_in() -> Self {
        Self::new(200, "Signed in", "Brokerdesk received your sign-in.")
    }

    pub fn returned() -> Self {
        Self::new(200, "Done", "Brokerdesk saw you finish in the portal.")
    }

    pub fn failed(reason: &str) -> Self {
        Self::new(400, "Sign-in failed", reason)
    }

    pub fn not_found() -> Self {
        Self::new(404, "Not found", "This address is not part of a sign-in.")
    }

    pub fn wrong_host() -> Self {
        Self::new(
            400,
            "Wrong address",
            "This sign-in only answers on its loopback address.",
        )
    }

    pub fn foreign_origin() -> Self {
        Self::new(
            403,
            "Refused",
            "This sign-in only answers the browser coming back from the sign-in page, not \
             another site.",
        )
    }

    pub fn not_this_flow() -> Self {
        Self::failed(
            "This answer does not belong to this sign-in (its state is wrong or missing). The \
             sign-in is still waiting for the real one.",
        )
    }

    pub fn already_used() -> Self {
        Self::new(
            410,
            "Already used",
            "This sign-in has already received its answer.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            html_escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#x27;"
        );
        let page = Page::failed("<img src=x onerror=alert(1)>");
        assert!(!page.html.contains("<img"));
        assert!(page.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.html.contains("close this window"));
    }
}
