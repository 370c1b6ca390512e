//! Where a user goes after signing in: a path on this very portal, never anywhere else.
//!
//! Browsers are lenient with a `Location`: they drop tabs and newlines, read `\` as `/` and
//! `//host` as another host, so `/%09/evil.example` (a tab once decoded) or `/\evil.example`
//! lead off-site. Only a plain same-origin path of visible ASCII is followed; anything else
//! goes to the start page. What is followed is always a valid header value.

/// The longest `next` followed; longer ones go to the start page.
pub const MAX_LENGTH: usize = 2048;

/// `next` if it is a same-origin relative path (`/x`), else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

/// A path on this origin: starts with one `/`, visible ASCII only (no controls, no spaces, no
/// `\`), and once its percent escapes are decoded still starts with one `/` and holds no
/// control character and no `\`.
pub fn is_local_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.len() <= MAX_LENGTH
        && local(bytes)
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b))
        && local(&percent_decoded(path))
}

/// Starts with one `/` (not `//` or `/\`), holds no control character and no `\`.
fn local(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes
            .iter()
            .all(|b| *b >= 0x20 && *b != 0x7f && *b != b'\\')
}

/// Decodes `%XX` escapes once (an invalid escape is kept as it is).
fn percent_decoded(path: &str) -> Vec<u8> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_origin_paths_are_followed() {
        for ok in [
            "/",
            "/admin/users",
            "/booking?from=2026-01-01&x=%2F",
            "/a/b%20c",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\t/evil.example/phish",
            "/%09/evil.example/phish",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/x\nSet-Cookie: a=b",
            "/x%0d%0aSet-Cookie:%20a=b",
            "/x\r",
            "/caf\u{e9}",
            " /x",
            "/x y",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
        assert_eq!(safe_next(None), "/");
    }
}
