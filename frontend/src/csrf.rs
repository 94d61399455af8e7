//! Cross-site request forgery protection for every form.
//!
//! The browser holds a random value in an `HttpOnly`, `SameSite=Strict` cookie; every form
//! carries an HMAC of that value under the server's secret. A POST is accepted only when the
//! form's token is the HMAC of the cookie it came with: another site can neither read the
//! cookie nor compute the token, and a value planted in the cookie is useless without the secret.

use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The cookie's name.
pub const COOKIE: &str = "csrf";

/// Issues and checks tokens.
#[derive(Debug, Clone)]
pub struct Csrf {
    secret: Vec<u8>,
    secure: bool,
}

/// The token for the current visitor, and the cookie to set if they had none.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Goes into every form as the hidden `csrf` field.
    pub token: String,
    /// `Set-Cookie`, when the visitor had no cookie yet.
    pub set_cookie: Option<HeaderValue>,
}

impl Csrf {
    /// Tokens signed with `secret`; cookies marked `Secure` when `secure`.
    pub fn new(secret: Vec<u8>, secure: bool) -> Self {
        Self { secret, secure }
    }

    fn sign(&self, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The token for this request's cookie, minting a cookie if there is none.
    pub fn issue(&self, headers: &HeaderMap) -> Issued {
        if let Some(value) = cookie(headers) {
            return Issued {
                token: self.sign(&value),
                set_cookie: None,
            };
        }
        let value = hex::encode(uuid::Uuid::new_v4().as_bytes())
            + &hex::encode(uuid::Uuid::new_v4().as_bytes());
        let secure = if self.secure { "; Secure" } else { "" };
        let set_cookie = HeaderValue::from_str(&format!(
            "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"
        ))
        .ok();
        Issued {
            token: self.sign(&value),
            set_cookie,
        }
    }

    /// Whether `token` (from the form) matches the request's cookie.
    pub fn verify(&self, headers: &HeaderMap, token: &str) -> bool {
        let Some(value) = cookie(headers) else {
            return false;
        };
        let Ok(token) = hex::decode(token) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(value.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&token).is_ok()
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| {
            *name == COOKIE && value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        headers
    }

    #[test]
    fn a_token_is_valid_only_with_its_cookie_and_secret() {
        let csrf = Csrf::new(b"0123456789abcdef0123456789abcdef".to_vec(), true);
        let issued = csrf.issue(&HeaderMap::new());
        let cookie = issued.set_cookie.unwrap();
        assert!(
            cookie
                .to_str()
                .unwrap()
                .contains("HttpOnly; SameSite=Strict; Secure")
        );
        let headers = with_cookie(&cookie);
        assert!(csrf.verify(&headers, &issued.token));
        assert_eq!(
            csrf.issue(&headers).token,
            issued.token,
            "the same visitor keeps their token"
        );

        let other = Csrf::new(b"another-secret-another-secret-xx".to_vec(), true);
        assert!(!other.verify(&headers, &issued.token));
        assert!(
            !csrf.verify(&HeaderMap::new(), &issued.token),
            "no cookie, no entry"
        );
        assert!(!csrf.verify(&headers, "00"), "a wrong token");
    }
}
