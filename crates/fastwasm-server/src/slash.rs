//! Trailing-slash redirects, as Starlette's `redirect_slashes` does them for
//! the `FastAPI` service: a path ending in `/` whose trimmed form is a route
//! gets 307 to that form, for any method.

use std::net::SocketAddr;

use axum::http::{HeaderMap, Uri, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What Python's `urllib.parse.quote` leaves alone with the `safe` set that
/// Starlette's `RedirectResponse` passes.
const LOCATION_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b':')
    .remove(b'/')
    .remove(b'%')
    .remove(b'#')
    .remove(b'?')
    .remove(b'=')
    .remove(b'@')
    .remove(b'[')
    .remove(b']')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';');

/// Whether a decoded path matches a route template (`{name}` is one non-empty segment).
fn matches(template: &str, path: &str) -> bool {
    let mut want = template.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some(w), Some(h)) if w.starts_with('{') && w.ends_with('}') => {
                if h.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// The `Location` of the redirect for `uri`, if it gets one.
///
/// The path is matched decoded, as Starlette matches it, and re-quoted as its
/// `RedirectResponse` quotes it. The host is the request's `Host` header, or the
/// address the server listens on.
#[must_use]
pub fn redirect(
    routes: &[&str],
    uri: &Uri,
    headers: &HeaderMap,
    local: Option<SocketAddr>,
) -> Option<String> {
    let decoded = percent_decode_str(uri.path()).decode_utf8_lossy();
    if decoded == "/" || !decoded.ends_with('/') {
        return None;
    }
    let target = decoded.trim_end_matches('/');
    if !routes.iter().any(|template| matches(template, target)) {
        return None;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| local.map(|a| a.to_string()));
    // With neither (only in-process, as in tests), a relative Location.
    let mut url = match host {
        Some(host) => format!("http://{host}{target}"),
        None => target.to_owned(),
    };
    if let Some(query) = uri.query() {
        url.push('?');
        url.push_str(query);
    }
    Some(utf8_percent_encode(&url, LOCATION_SAFE).to_string())
}
