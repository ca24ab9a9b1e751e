//! The admin routes' one rule: they exist only when the operator set a
//! token, and answer only a request that carries it as a bearer token.

use sha2::{Digest, Sha256};

use crate::answer::Answer;

/// The shortest admin token a server accepts: shorter ones are guessable.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Where the admin route that reloads the kernels is.
pub const RELOAD_ROUTE: &str = "/admin/reload";

/// `None` when `authorization` (the request's `Authorization` header) is
/// `Bearer {token}`; else the 401 to answer, which names `setting`, the
/// setting that holds the token, never the token. With no token (`None`),
/// every request is refused.
///
/// The two are compared through their SHA-256 digests, so the time the
/// comparison takes says nothing about how much of the token a guess got
/// right.
#[must_use]
pub fn refusal(authorization: Option<&str>, token: Option<&str>, setting: &str) -> Option<Answer> {
    let given = authorization
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    if let (Some(given), Some(token)) = (given, token)
        && Sha256::digest(given) == Sha256::digest(token)
    {
        return None;
    }
    let detail = format!(
        "the admin routes need the admin token: send `Authorization: Bearer <token>` with the token of {setting}"
    );
    let mut answer = Answer::detail(401, &detail, "unauthorized");
    answer.challenge = Some("Bearer");
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bearer_token_passes() {
        let token = "0123456789abcdef-token";
        assert!(refusal(Some("Bearer 0123456789abcdef-token"), Some(token), "T").is_none());
        assert!(refusal(Some("Bearer 0123456789abcdef-token"), None, "T").is_some());
        for wrong in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer "),
            Some("bearer 0123456789abcdef-token"),
            Some("Basic 0123456789abcdef-token"),
            Some("Bearer 0123456789abcdef-toke"),
            Some("Bearer 0123456789abcdef-tokenX"),
        ] {
            let answer = refusal(wrong, Some(token), "FASTWASM_ADMIN_TOKEN").expect("refused");
            assert_eq!(answer.status, 401, "{wrong:?}");
            assert_eq!(answer.challenge, Some("Bearer"));
            let body = String::from_utf8(answer.body).unwrap();
            assert!(body.contains("FASTWASM_ADMIN_TOKEN"), "{body}");
            assert!(!body.contains(token), "the token leaked: {body}");
        }
    }
}
