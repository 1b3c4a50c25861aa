//! The one redaction rule for addresses in logs and error messages, used by [`HttpClient`] for
//! every vendor: a URL keeps its scheme, host, port, path and the *names* of its query
//! parameters; query values, userinfo and fragment are dropped
//! (`https://api.snaptrade.com/api/v1/accounts?userId=<redacted>&userSecret=<redacted>`).
//! SnapTrade sends its user secret in the query, and reqwest's errors quote the whole URL.
//!
//! [`HttpClient`]: super::HttpClient

use std::fmt::Write as _;
use url::Url;

/// What stands in for a dropped value.
pub const REDACTED: &str = "<redacted>";

/// A URL as it may be logged or shown.
pub fn redact_url(url: &Url) -> String {
    let mut out = format!("{}:", url.scheme());
    if let Some(host) = url.host_str() {
        out.push_str("//");
        out.push_str(host);
        if let Some(port) = url.port() {
            let _ = write!(out, ":{port}");
        }
    }
    out.push_str(url.path());
    if let Some(query) = url.query() {
        out.push('?');
        out.push_str(&redact_query(query));
    }
    out
}

/// `a=1&b=2` → `a=<redacted>&b=<redacted>`: names kept, values gone.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{name}={REDACTED}"),
            None if pair.is_empty() => String::new(),
            // A bare word may be a value on its own (`?token`).
            None => REDACTED.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Characters that end a word of free text. Brackets and commas do not: a query value may
/// hold them, and a word is redacted whole from its `?` on (so is `<redacted>` itself: the
/// rule can run twice).
fn ends_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`')
}

/// Punctuation that closes a quoted URL rather than belonging to it (`for url (…).`).
const CLOSERS: &[char] = &['.', ';', ':', ')', ']', ','];

/// Redacts one word: an absolute URL by [`redact_url`], and anything else carrying a query
/// (`/path?a=b`, a URL that does not parse) by dropping the query's values. An absolute URL
/// that does not parse and has userinfo is dropped whole.
fn redact_token(token: &str) -> String {
    if let Some(sep) = token.find("://") {
        // The scheme's letters before `://`; anything before them (`(`) is kept as is.
        let start = token[..sep]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let (prefix, rest) = token.split_at(start);
        let body = rest.trim_end_matches(CLOSERS);
        let tail = &rest[body.len()..];
        if let Ok(url) = Url::parse(body) {
            return format!("{prefix}{}{tail}", redact_url(&url));
        }
        if rest.contains('@') {
            return format!("{prefix}{REDACTED}");
        }
    }
    match token.split_once('?') {
        Some((before, query)) if query.contains('=') => {
            let body = query.trim_end_matches(CLOSERS);
            let tail = &query[body.len()..];
            let body = body.split('#').next().unwrap_or("");
            format!("{before}?{}{tail}", redact_query(body))
        }
        _ => token.to_owned(),
    }
}

/// Every URL (or path with a query) found in a message, redacted: for text that may quote an
/// address (an error's sources, a vendor's own words).
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    for c in text.chars() {
        if ends_token(c) {
            out.push_str(&redact_token(&token));
            token.clear();
            out.push(c);
        } else {
            token.push(c);
        }
    }
    out.push_str(&redact_token(&token));
    out
}

/// Text in double quotes replaced by `"…"`: serde's messages quote the offending value
/// (`invalid type: string "…"`), which may come from a reply that holds a token. Field names
/// (in backticks), line and column stay.
pub fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '"' {
            if inside {
                out.push('…');
            }
            inside = !inside;
            out.push(c);
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// A reqwest error as a message: its own words and its causes, then the redacted URL. Never
/// `e.to_string()`, which quotes the URL whole.
pub fn describe_reqwest(e: reqwest::Error) -> String {
    let url = e.url().map(redact_url);
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if let Some(url) = url {
        let _ = write!(text, " (url {url})");
    }
    // A cause may quote an address of its own.
    redact_urls(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_userinfo_and_fragment_are_dropped() {
        let url = Url::parse(
            "https://user:pa55@api.example:8443/api/v1/accounts?userId=u1&userSecret=s3cr3t&flag#frag",
        )
        .unwrap();
        assert_eq!(
            redact_url(&url),
            "https://api.example:8443/api/v1/accounts?userId=<redacted>&userSecret=<redacted>&<redacted>"
        );
        let plain = Url::parse("http://127.0.0.1:9/v2/account").unwrap();
        assert_eq!(redact_url(&plain), "http://127.0.0.1:9/v2/account");
        let v6 = Url::parse("http://[::1]:9/p?a=").unwrap();
        assert_eq!(redact_url(&v6), "http://[::1]:9/p?a=<redacted>");
    }

    #[test]
    fn urls_and_queries_in_free_text_are_redacted() {
        let t = "error sending request for url (http://h:1/api/v1/accounts?userId=u&userSecret=s3cr3t&clientId=C). Try again";
        let r = redact_urls(t);
        assert!(!r.contains("s3cr3t"), "{r}");
        assert_eq!(
            r,
            "error sending request for url (http://h:1/api/v1/accounts?userId=<redacted>&userSecret=<redacted>&clientId=<redacted>). Try again"
        );
        // A secret holding a `)`: the URL crate encodes nothing there, so the rest of the
        // token is still a query and still redacted.
        let r = redact_urls("GET /accounts?userSecret=ab)cd&x=1 failed");
        assert!(!r.contains("ab"), "{r}");
        assert!(!r.contains("cd&x=1"), "{r}");
        let r = redact_urls("see https://u:p4ss@[bad/x?y=z");
        assert!(!r.contains("p4ss"), "{r}");
        assert_eq!(redact_urls("nothing here? no"), "nothing here? no");
        // Twice is the same as once.
        assert_eq!(redact_urls(&r), r);
        let once = redact_urls(t);
        assert_eq!(redact_urls(&once), once);
        // A closing `>` is taken for part of the value, and goes with it.
        assert_eq!(
            redact_urls("<https://h/p?a=1>"),
            "<https://h/p?a=<redacted>"
        );
        assert_eq!(redact_urls("HTTP 500: internal"), "HTTP 500: internal");
    }

    #[test]
    fn quoted_values_are_dropped_and_field_names_kept() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "at-SECRET", expected u64 at line 1 column 9"#),
            r#"invalid type: string "…", expected u64 at line 1 column 9"#
        );
        assert_eq!(
            redact_quoted("missing field `account_id` at line 1 column 2"),
            "missing field `account_id` at line 1 column 2"
        );
    }
}
