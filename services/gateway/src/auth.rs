//! API keys: bearer tokens, configured only as SHA-256 hashes, each with scopes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use crate::config::KeyConfig;

/// Who a valid key belongs to and what it may do.
#[derive(Debug)]
pub struct Client {
    /// The key's id, passed upstream as the client identity.
    pub id: String,
    scopes: HashSet<String>,
}

impl Client {
    /// Whether the key carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }
}

/// What the request's `Authorization` header amounts to.
#[derive(Debug, Clone)]
pub enum Credential {
    /// No `Authorization` header.
    Anonymous,
    /// A configured key.
    Key(Arc<Client>),
    /// A header that is not a bearer token, or a token no key matches.
    Invalid,
}

/// The configured keys, by hash.
#[derive(Debug, Default)]
pub struct Keys {
    by_hash: HashMap<[u8; 32], Arc<Client>>,
}

impl Keys {
    /// Indexes validated key configurations.
    pub fn new(keys: &[KeyConfig]) -> Self {
        let by_hash = keys
            .iter()
            .filter_map(|key| {
                let hash = decode_hash(&key.sha256)?;
                let client = Client {
                    id: key.id.clone(),
                    scopes: key.scopes.iter().cloned().collect(),
                };
                Some((hash, Arc::new(client)))
            })
            .collect();
        Self { by_hash }
    }

    /// Reads `Authorization: Bearer <key>` and finds the key by its hash.
    pub fn authenticate(&self, headers: &HeaderMap) -> Credential {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Credential::Anonymous;
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|text| text.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty());
        let Some(token) = token else {
            return Credential::Invalid;
        };
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.by_hash
            .get(&hash)
            .map_or(Credential::Invalid, |client| {
                Credential::Key(client.clone())
            })
    }
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    let mut hash = [0_u8; 32];
    hex::decode_to_slice(text, &mut hash).ok()?;
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        // sha256("s3cret-key")
        let sha256 = hex::encode(Sha256::digest(b"s3cret-key"));
        Keys::new(&[KeyConfig {
            id: "officer".to_owned(),
            sha256,
            scopes: vec!["loans:write".to_owned()],
        }])
    }

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, authorization.parse().unwrap());
        headers
    }

    #[test]
    fn a_configured_key_is_found_by_its_hash() {
        let Credential::Key(client) = keys().authenticate(&headers("Bearer s3cret-key")) else {
            panic!("the key is valid");
        };
        assert_eq!(client.id, "officer");
        assert!(client.has_scope("loans:write"));
        assert!(!client.has_scope("portfolio:write"));
        assert!(matches!(
            keys().authenticate(&headers("bearer s3cret-key")),
            Credential::Key(_)
        ));
    }

    #[test]
    fn anything_else_is_anonymous_or_invalid() {
        assert!(matches!(
            keys().authenticate(&HeaderMap::new()),
            Credential::Anonymous
        ));
        for value in [
            "Bearer wrong",
            "Basic czNjcmV0LWtleQ==",
            "Bearer ",
            "s3cret-key",
        ] {
            assert!(
                matches!(keys().authenticate(&headers(value)), Credential::Invalid),
                "{value}"
            );
        }
    }
}
