//! One OpenAPI document for the public API: every upstream's document, fetched from a replica,
//! with its paths rewritten to the public paths the gateway serves them under.
//!
//! Paths the gateway does not forward (an upstream's `/health`, `/metrics`, …) are left out;
//! schemas with the same name and the same content are shared, and a clash is resolved by
//! prefixing the later upstream's schema (and every reference to it) with its name. Write
//! operations are marked as needing an API key. The document is rebuilt at most every
//! [`REFRESH`], and an upstream that cannot be reached is listed in `x-unavailable-upstreams`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::config::GatewayConfig;
use crate::gateway::Gateway;

/// How long a merged document is served before it is built again.
const REFRESH: Duration = Duration::from_secs(30);
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// The merged document, built on demand and kept for [`REFRESH`].
#[derive(Debug)]
pub struct MergedDocument {
    title: String,
    cached: tokio::sync::Mutex<Option<(Instant, Arc<Value>)>>,
}

impl MergedDocument {
    /// An empty cache.
    pub fn new(_config: &GatewayConfig) -> Self {
        Self {
            title: "Lending workload API".to_owned(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The current merged document.
    pub async fn get(&self, gateway: &Gateway) -> Arc<Value> {
        let mut cached = self.cached.lock().await;
        if let Some((built, document)) = cached.as_ref()
            && built.elapsed() < REFRESH
        {
            return document.clone();
        }
        let mut documents = Vec::new();
        for (upstream, client) in &gateway.upstreams {
            let mut fetched = None;
            for replica in upstream.replicas().iter() {
                let body = client
                    .get(
                        replica.address,
                        &upstream.authority,
                        &upstream.config().openapi_path,
                        FETCH_TIMEOUT,
                    )
                    .await;
                if let Some(document) =
                    body.and_then(|body| serde_json::from_slice::<Value>(&body).ok())
                {
                    fetched = Some(document);
                    break;
                }
            }
            documents.push((upstream.name.clone(), fetched));
        }
        let routes: Vec<(String, String, bool)> = gateway
            .routes()
            .iter()
            .map(|route| {
                (
                    route.config.prefix.clone(),
                    route.config.upstream.clone(),
                    route.config.strip_prefix,
                )
            })
            .collect();
        let document = Arc::new(merge(&self.title, &documents, &routes, gateway));
        // A document missing an upstream is retried on the next request rather than kept.
        if document.get("x-unavailable-upstreams").is_none() {
            *cached = Some((Instant::now(), document.clone()));
        }
        document
    }
}

/// Merges `documents` (upstream name, its document if fetched) under `routes` (prefix,
/// upstream, strip).
fn merge(
    title: &str,
    documents: &[(String, Option<Value>)],
    routes: &[(String, String, bool)],
    gateway: &Gateway,
) -> Value {
    let mut paths = BTreeMap::new();
    let mut schemas = Map::new();
    let mut tags: Vec<Value> = Vec::new();
    let mut unavailable = Vec::new();
    for (upstream, document) in documents {
        let Some(document) = document else {
            unavailable.push(Value::String(upstream.clone()));
            continue;
        };
        let mut document = document.clone();
        let clashes: Vec<String> = document["components"]["schemas"]
            .as_object()
            .map(|own| {
                own.iter()
                    .filter(|(name, schema)| {
                        schemas
                            .get(*name)
                            .is_some_and(|existing| existing != *schema)
                    })
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let prefix = pascal_case(upstream);
        for name in &clashes {
            rename_schema(&mut document, name, &format!("{prefix}{name}"));
        }
        if let Some(own) = document["components"]["schemas"].as_object() {
            for (name, schema) in own {
                schemas
                    .entry(name.clone())
                    .or_insert_with(|| schema.clone());
            }
        }
        for tag in document["tags"].as_array().into_iter().flatten() {
            if !tags.iter().any(|known| known["name"] == tag["name"]) {
                tags.push(tag.clone());
            }
        }
        let Some(own_paths) = document["paths"].as_object() else {
            continue;
        };
        for (path, item) in own_paths {
            for (route_prefix, route_upstream, strip) in routes {
                if route_upstream != upstream {
                    continue;
                }
                let public = if *strip {
                    if path == "/" {
                        route_prefix.clone()
                    } else {
                        format!("{route_prefix}{path}")
                    }
                } else {
                    path.clone()
                };
                let served = gateway
                    .route(&public)
                    .is_some_and(|(route, _)| route.config.prefix == *route_prefix);
                if served {
                    paths.insert(public, secure_writes(item.clone()));
                }
            }
        }
    }
    let schemas = reachable_schemas(&paths, schemas);
    let used_tags: Vec<Value> = tags
        .into_iter()
        .filter(|tag| paths.values().any(|item| uses_tag(item, &tag["name"])))
        .collect();
    let tags = used_tags;
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every public endpoint of the lending workload, as served by the gateway. \
                            Reads are public; writes need `Authorization: Bearer <API key>` with the \
                            route's scope. Errors are `application/problem+json` (RFC 9457); the gateway \
                            adds 401, 403, 413, 429, 502, 503 and 504.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "An API key issued to the client."}},
        },
        "tags": tags,
    });
    if !unavailable.is_empty() {
        document["x-unavailable-upstreams"] = Value::Array(unavailable);
    }
    document
}

/// Only the schemas the public paths refer to, directly or through other schemas.
fn reachable_schemas(
    paths: &BTreeMap<String, Value>,
    mut all: Map<String, Value>,
) -> Map<String, Value> {
    let mut pending: Vec<String> = Vec::new();
    for item in paths.values() {
        collect_refs(item, &mut pending);
    }
    let mut kept = Map::new();
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        if let Some(schema) = all.remove(&name) {
            collect_refs(&schema, &mut pending);
            kept.insert(name, schema);
        }
    }
    kept
}

fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                match (key.as_str(), child.as_str()) {
                    ("$ref", Some(reference)) => {
                        if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                            into.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(child, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|child| collect_refs(child, into)),
        _ => {}
    }
}

fn uses_tag(item: &Value, tag: &Value) -> bool {
    item.as_object().is_some_and(|operations| {
        operations.values().any(|operation| {
            operation["tags"]
                .as_array()
                .is_some_and(|tags| tags.contains(tag))
        })
    })
}

/// Marks POST, PUT, PATCH and DELETE operations as needing the API key.
fn secure_writes(mut item: Value) -> Value {
    for method in ["post", "put", "patch", "delete"] {
        if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
            operation.insert("security".to_owned(), json!([{"apiKey": []}]));
        }
    }
    item
}

/// Renames schema `from` to `to` in `document`, references included.
fn rename_schema(document: &mut Value, from: &str, to: &str) {
    if let Some(schemas) = document["components"]["schemas"].as_object_mut()
        && let Some(schema) = schemas.remove(from)
    {
        schemas.insert(to.to_owned(), schema);
    }
    let old = format!("#/components/schemas/{from}");
    let new = format!("#/components/schemas/{to}");
    rewrite_refs(document, &old, &new);
}

fn rewrite_refs(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "$ref" && child.as_str() == Some(old) {
                    *child = Value::String(new.to_owned());
                } else {
                    rewrite_refs(child, old, new);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| rewrite_refs(child, old, new)),
        _ => {}
    }
}

fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The interactive reference page for the merged document.
pub const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Lending workload API</title>
</head>
<body>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clashing_schema_is_renamed_with_its_references() {
        let mut document = json!({
            "components": {"schemas": {"Health": {"type": "object"}}},
            "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}}},
        });
        rename_schema(&mut document, "Health", "PortfolioApiHealth");
        assert!(
            document["components"]["schemas"]
                .get("PortfolioApiHealth")
                .is_some()
        );
        assert_eq!(
            document["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/PortfolioApiHealth"
        );
        assert_eq!(pascal_case("portfolio-api"), "PortfolioApi");
    }

    #[test]
    fn writes_are_marked_as_needing_a_key() {
        let item = secure_writes(json!({"get": {}, "post": {}}));
        assert!(item["get"].get("security").is_none());
        assert_eq!(item["post"]["security"], json!([{"apiKey": []}]));
    }
}
