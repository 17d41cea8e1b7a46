//! Email addresses as accounts use them (data-model.md §3.1).

/// Lower-cased and trimmed; 3..254 characters with an `@` between a local part and a domain.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter your email address.");
    }
    let length = email.chars().count();
    let valid_shape = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    }) && !email.contains(char::is_whitespace);
    if !(3..=254).contains(&length) || !valid_shape {
        return Err("Enter a valid email address, like name@example.com.");
    }
    Ok(email)
}

/// `pat@example.com` → `p***@example.com`, for logs.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Pat@Example.COM ").as_deref(),
            Ok("pat@example.com")
        );
        assert!(normalize_email("").is_err());
        assert!(normalize_email("pat").is_err());
        assert!(normalize_email("@example.com").is_err());
        assert!(normalize_email("pat@localhost").is_err());
        assert!(normalize_email("pat@@example.com").is_err());
        assert!(normalize_email("pa t@example.com").is_err());
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(250))).is_err());
        assert_eq!(mask_email("pat@example.com"), "p***@example.com");
    }
}
