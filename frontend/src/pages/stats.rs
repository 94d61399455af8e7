//! `/stats`: loan totals, and loans by status and by currency as bar charts drawn on the
//! server as inline SVG (no chart library, nothing to download, nothing for the CSP to allow).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::{Context, layout, money};
use crate::startup::AppState;

/// The stats page.
pub async fn page(State(state): State<AppState>, Context(context): Context) -> Response {
    let stats = match state.api.stats(&context).await {
        Ok(stats) => stats,
        Err(error) => return super::errors::api_failure(&error, "/stats"),
    };
    let content = html! {
        h1 { "Loan statistics" }
        ul.cards {
            li.card { p.label { "Loans" } p.value #total-loans { (stats.total_loans) } }
            li.card { p.label { "Total lent" } p.value { (money(stats.total_amount)) } }
            li.card { p.label { "Average loan" } p.value { (money(stats.avg_amount)) } }
        }
        div.charts {
            section.panel { h2 #by-status-title { "Loans by status" } (bar_chart("by-status", &stats.by_status)) }
            section.panel { h2 #by-currency-title { "Loans by currency" } (bar_chart("by-currency", &stats.by_currency)) }
        }
    };
    layout("Stats", "/stats", &content).into_response()
}

/// A horizontal bar chart of `counts`, with a title and a text alternative for screen readers.
fn bar_chart(id: &str, counts: &BTreeMap<String, i64>) -> Markup {
    const ROW: i64 = 28;
    const LABEL: i64 = 90;
    const WIDTH: i64 = 360;
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let rows = i64::try_from(counts.len()).unwrap_or(0).max(1);
    let height = rows * ROW + 8;
    let summary: Vec<String> = counts
        .iter()
        .map(|(name, count)| format!("{name}: {count}"))
        .collect();
    let summary = if summary.is_empty() {
        "No loans yet.".to_owned()
    } else {
        summary.join(", ")
    };
    html! {
        svg.chart #(id) viewBox={ "0 0 " (LABEL + WIDTH + 40) " " (height) } role="img" aria-labelledby={ (id) "-title " (id) "-desc" } {
            desc #{ (id) "-desc" } { (summary) }
            line.axis x1=(LABEL) y1="0" x2=(LABEL) y2=(height) {}
            @for (index, (name, count)) in counts.iter().enumerate() {
                @let y = i64::try_from(index).unwrap_or(0) * ROW + 4;
                @let width = count * WIDTH / max;
                text x=(LABEL - 8) y=(y + 17) text-anchor="end" { (name) }
                rect.bar x=(LABEL) y=(y) width=(width.max(1)) height=(ROW - 8) rx="3" data-count=(count) {}
                text.count x=(LABEL + width + 6) y=(y + 17) { (count) }
            }
        }
    }
}
