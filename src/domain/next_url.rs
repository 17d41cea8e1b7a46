//! The `next` parameter: where to go after sign-in, sign-up or onboarding (web.md §3.4).

/// Where to go when `next` is missing or unsafe.
pub const DEFAULT_NEXT: &str = "/app";

/// Followed only when it starts with `/app` or `/buy`, does not start with `//`, contains no
/// `\`, no scheme and no control characters, and is at most 512 characters.
pub fn sanitize_next(next: Option<&str>) -> &str {
    safe_next(next).unwrap_or(DEFAULT_NEXT)
}

/// `next` when it is safe to follow, for callers with their own default.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|next| is_safe(next))
}

fn is_safe(next: &str) -> bool {
    next.len() <= 512
        && (next.starts_with("/app") || next.starts_with("/buy"))
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
        && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vectors() {
        assert_eq!(
            sanitize_next(Some("/app/billing?plan=pro")),
            "/app/billing?plan=pro"
        );
        assert_eq!(sanitize_next(Some("/buy?plan=pro")), "/buy?plan=pro");
        assert_eq!(sanitize_next(Some("//evil.example")), DEFAULT_NEXT);
        assert_eq!(sanitize_next(Some("https://evil.example")), DEFAULT_NEXT);
        assert_eq!(sanitize_next(Some("/\\evil.example")), DEFAULT_NEXT);
        assert_eq!(sanitize_next(Some("/terms")), DEFAULT_NEXT);
    }

    #[test]
    fn other_unsafe_shapes_fall_back() {
        assert_eq!(sanitize_next(None), DEFAULT_NEXT);
        assert_eq!(sanitize_next(Some("")), DEFAULT_NEXT);
        assert_eq!(sanitize_next(Some("/app\n/x")), DEFAULT_NEXT);
        assert_eq!(
            sanitize_next(Some("/app?u=https://evil.example")),
            DEFAULT_NEXT
        );
        assert_eq!(
            sanitize_next(Some(&format!("/app/{}", "a".repeat(508)))),
            DEFAULT_NEXT
        );
        let longest = format!("/app/{}", "a".repeat(507));
        assert_eq!(sanitize_next(Some(&longest)), longest);
        assert_eq!(
            sanitize_next(Some("/application")),
            "/application",
            "a path prefix, as written"
        );
    }
}
