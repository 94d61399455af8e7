//! The pages, one module each, and what they share: the layout, formatting, and the context
//! every page passes on to its API calls.

pub mod dashboard;
pub mod errors;
pub mod loans;
pub mod stats;
pub mod status;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use http_kit::middleware::RequestId;
use maud::{DOCTYPE, Markup, html};
use telemetry::TraceContext;

use crate::api::CallContext;
use crate::assets;

/// The navigation entries: path and label.
const NAV: [(&str, &str); 4] = [
    ("/", "Portfolio"),
    ("/loans", "Loans"),
    ("/stats", "Stats"),
    ("/status", "Status"),
];

/// The page request's id and trace, passed on to every API call it makes.
#[derive(Debug, Clone)]
pub struct Context(pub CallContext);

impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(CallContext {
            request_id: parts
                .extensions
                .get::<RequestId>()
                .map(|id| id.as_str().to_owned()),
            traceparent: parts
                .extensions
                .get::<TraceContext>()
                .map(TraceContext::traceparent),
        }))
    }
}

/// The page around `content`: skip link, navigation with the current entry marked, main.
pub fn layout(title: &str, current: &str, content: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Lending console" }
                link rel="stylesheet" href=(assets::stylesheet());
                script src=(assets::script()) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    div.bar {
                        a.brand href="/" { "Lending console" }
                        nav aria-label="Main" {
                            ul {
                                @for (path, label) in NAV {
                                    li {
                                        @if path == current {
                                            a href=(path) aria-current="page" { (label) }
                                        } @else {
                                            a href=(path) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (content) }
                footer { "Served by the web tier; data from loan-api and portfolio-api through the gateway." }
            }
        }
    }
}

/// `1234567.891` → `1,234,567.89`.
pub fn money(value: f64) -> String {
    group(&format!("{value:.2}"))
}

/// A decimal string such as `"12500.00"` → `12,500.00`, without going through a float.
pub fn money_text(value: &str) -> String {
    group(value)
}

fn group(text: &str) -> String {
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text), |rest| ("-", rest));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// `0.0288` → `2.88%`.
pub fn percent(value: f64) -> String {
    format!("{:.2}%", value * 100.0)
}

/// A status as a coloured badge (colour is never the only cue: the word is there).
pub fn badge(status: &str) -> Markup {
    html! { span class={ "badge " (status) } { (status) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands() {
        assert_eq!(money(506_817.31), "506,817.31");
        assert_eq!(money(0.5), "0.50");
        assert_eq!(money_text("12500.00"), "12,500.00");
        assert_eq!(money_text("1000000"), "1,000,000");
        assert_eq!(money_text("-999.10"), "-999.10");
        assert_eq!(percent(0.0288), "2.88%");
    }
}
