//! The desk's door: who may ask what, checked on every request before any handler runs.
//!
//! In: a request's Host header, its access token (URL parameter, cookie or header), its method,
//! Origin and Sec-Fetch-Site headers, and the path of a file asked for. Out: the request let
//! through, or refused (403, or a redirect that trades the URL's token for a cookie); every
//! response carries headers that keep the browser from loading anything from elsewhere.
//!
//! The rules, as Jupyter's server has them:
//! - **Token.** Every request, loopback included, carries the random token printed in the
//!   address: other users of the machine and web pages in the same browser are not the staff.
//!   The token comes once as `?token=` and is traded for an `HttpOnly`, `SameSite=Strict` cookie
//!   (and the URL loses it, so it stays out of the history).
//! - **Host.** Only `localhost` or an IP literal, with the desk's port: a page on another domain
//!   that resolves its name to 127.0.0.1 (DNS rebinding) is refused.
//! - **Changes.** Only POST changes anything, and a POST must carry the token in the
//!   `X-Lightbox-Token` header (which a page on another origin cannot send without a CORS
//!   preflight the desk never grants) and come from the desk's own origin.
//! - **Files.** Only paths inside the work folder's outputs, after resolving links ([`confine`]).

use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Desk;

/// The header a change carries its token in.
pub const TOKEN_HEADER: &str = "x-lightbox-token";

/// The folders of the work folder the desk serves files from.
const SERVED: &[&str] = &["derived", "sheets", "package", "desk"];
/// The files at the top of the work folder it serves.
const SERVED_FILES: &[&str] = &["findings.csv", "report.json"];

/// A new access token: 32 random bytes, hex.
///
/// # Errors
/// When the system's random source fails.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares in time that does not depend on where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether a Host header names this desk: `localhost` or an IP literal, with its port.
pub fn host_allowed(host: &str, port: u16) -> bool {
    let (name, host_port) = match host.rsplit_once(':') {
        Some((name, p)) if !name.is_empty() => (name, p),
        _ => return false,
    };
    if host_port.parse::<u16>().ok() != Some(port) {
        return false;
    }
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || (bare.parse::<IpAddr>().is_ok() && (bare != name || !name.contains(':')))
}

/// The cookie's name: with the port, since browsers share cookies between a host's ports.
pub fn cookie_name(port: u16) -> String {
    format!("lightbox_token_{port}")
}

fn cookie_token<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_token(query: &str) -> Option<&str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

/// The query without its token.
fn without_token(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.starts_with("token=") && !pair.is_empty())
        .collect::<Vec<_>>()
        .join("&")
}

fn refused(desk: &Desk, why: &str) -> Response {
    let why = why.to_string();
    let body = crate::messages::refusal(&crate::messages::Refusal::Door { why }, desk.lang) + "\n";
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The middleware: Host, token, method and origin, in that order; then the response headers.
pub async fn check(State(desk): State<Arc<Desk>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !host_allowed(host, desk.port) {
        return refused(&desk, "Host");
    }
    let query = request.uri().query().unwrap_or("");
    let from_cookie =
        cookie_token(headers, &cookie_name(desk.port)).is_some_and(|t| same(t, &desk.token));
    if let Some(token) = query_token(query) {
        if !same(token, &desk.token) {
            return refused(&desk, "token");
        }
        // Trade the URL's token for a cookie, and send the browser to the URL without it.
        if request.method() == Method::GET {
            let rest = without_token(query);
            let target = if rest.is_empty() {
                request.uri().path().to_string()
            } else {
                format!("{}?{rest}", request.uri().path())
            };
            let cookie = format!(
                "{}={}; Path=/; HttpOnly; SameSite=Strict",
                cookie_name(desk.port),
                desk.token
            );
            let mut response =
                (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            return secured(response);
        }
    } else if !from_cookie {
        return refused(&desk, "token");
    }
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        if method != Method::POST {
            return refused(&desk, "method");
        }
        let header_token = headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| same(t, &desk.token));
        if !header_token {
            return refused(&desk, "token");
        }
        let origin_ok = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            None => true,
            Some(origin) => origin == format!("http://{host}"),
        };
        let site_ok = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|site| site == "same-origin" || site == "none");
        if !origin_ok || !site_ok {
            return refused(&desk, "origin");
        }
    }
    secured(next.run(request).await)
}

/// Headers on every response: nothing loaded from elsewhere, nothing framed, no referrer, no
/// sniffing, nothing cached.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
         script-src 'self' 'unsafe-inline'; connect-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "cache-control", "no-store");
    response
}

/// The file a URL path names inside the work folder, or `None`: only plain names (no `..`, no
/// root, no drive), under one of the served output folders, and, once links are resolved,
/// still inside the work folder and a file.
pub fn confine(work: &Path, relative: &str) -> Option<PathBuf> {
    let path = Path::new(relative);
    let mut parts = path.components();
    let first = match parts.next()? {
        Component::Normal(first) => first.to_str()?,
        _ => return None,
    };
    let single = parts.clone().next().is_none();
    let allowed = if single {
        SERVED_FILES.contains(&first)
    } else {
        SERVED.contains(&first)
    };
    if !allowed || !parts.all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    if relative.contains('\\') || relative.contains('\0') {
        return None;
    }
    let root = work.canonicalize().ok()?;
    let full = root.join(path).canonicalize().ok()?;
    (full.starts_with(&root) && full.is_file()).then_some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_localhost_and_ip_literals_with_the_port_are_this_desk() {
        assert!(host_allowed("127.0.0.1:8080", 8080));
        assert!(host_allowed("localhost:8080", 8080));
        assert!(host_allowed("LOCALHOST:8080", 8080));
        assert!(host_allowed("[::1]:8080", 8080));
        assert!(host_allowed("192.168.1.20:8080", 8080));
        assert!(!host_allowed("127.0.0.1:8081", 8080));
        assert!(!host_allowed("127.0.0.1", 8080));
        assert!(!host_allowed("evil.example:8080", 8080));
        assert!(!host_allowed("localhost.evil.example:8080", 8080));
        assert!(!host_allowed("127.0.0.1.nip.io:8080", 8080));
        assert!(!host_allowed("::1:8080", 8080));
        assert!(!host_allowed(":8080", 8080));
        assert!(!host_allowed("", 8080));
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
        let t = new_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token().unwrap());
    }

    #[test]
    fn only_files_inside_the_served_outputs_are_reachable() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir_all(work.join("sheets")).unwrap();
        std::fs::write(work.join("sheets/a.pdf"), b"%PDF").unwrap();
        std::fs::write(work.join("catalog.sqlite"), b"db").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"x").unwrap();
        assert!(confine(&work, "sheets/a.pdf").is_some());
        assert!(confine(&work, "catalog.sqlite").is_none());
        std::fs::write(work.join("findings.csv"), b"a,b").unwrap();
        assert!(confine(&work, "findings.csv").is_some());
        assert!(confine(&work, "sheets/findings.csv").is_none());
        assert!(confine(&work, "sheets/../catalog.sqlite").is_none());
        assert!(confine(&work, "sheets/../../secret.txt").is_none());
        assert!(confine(&work, "/etc/passwd").is_none());
        assert!(confine(&work, "sheets").is_none());
        assert!(confine(&work, "sheets/missing.pdf").is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), work.join("sheets/link"))
                .unwrap();
            assert!(confine(&work, "sheets/link").is_none());
        }
    }

    #[test]
    fn the_token_leaves_the_query() {
        assert_eq!(without_token("token=abc"), "");
        assert_eq!(without_token("a=1&token=abc&b=2"), "a=1&b=2");
        assert_eq!(query_token("a=1&token=abc"), Some("abc"));
    }
}
