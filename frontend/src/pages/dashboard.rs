//! `/`: the portfolio dashboard: the four insights as cards, and the assets table.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::{Context, badge, layout, money, percent};
use crate::startup::AppState;

const STATUSES: [&str; 3] = ["active", "defaulted", "paid"];

/// The status filter.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    status: String,
}

/// The dashboard.
pub async fn page(
    State(state): State<AppState>,
    Context(context): Context,
    Query(filter): Query<Filter>,
) -> Response {
    let status = STATUSES.iter().find(|s| **s == filter.status).copied();
    let (insights, assets) = tokio::join!(
        state.api.insights(&context),
        state.api.assets(status, &context)
    );
    let insights = match insights {
        Ok(insights) => insights,
        Err(error) => return super::errors::api_failure(&error, "/"),
    };
    let assets = match assets {
        Ok(assets) => assets,
        Err(error) => return super::errors::api_failure(&error, "/"),
    };
    let today = Utc::now().date_naive();
    let content = html! {
        h1 { "Portfolio dashboard" }
        p.lead { "Asset-backed loans and how the portfolio is doing." }
        section aria-labelledby="insights-heading" {
            h2 #insights-heading { "Insights" }
            ul.cards {
                @for insight in &insights {
                    li.card data-insight=(insight.id) {
                        p.label { (insight_label(&insight.name)) }
                        p.value { (insight_value(&insight.name, insight.value)) }
                    }
                }
            }
        }
        section aria-labelledby="assets-heading" {
            h2 #assets-heading { "Assets" }
            form.filters method="get" action="/" {
                div {
                    label for="status" { "Status" }
                    select #status name="status" {
                        option value="" selected[status.is_none()] { "All statuses" }
                        @for option in STATUSES {
                            option value=(option) selected[status == Some(option)] { (option) }
                        }
                    }
                }
                button.secondary type="submit" { "Filter" }
            }
            div.panel {
                table #assets {
                    caption { (assets.len()) " assets" @if let Some(status) = status { " with status " (status) } }
                    thead { tr { th scope="col" { "Asset" } th.num scope="col" { "Nominal value" } th scope="col" { "Status" } th scope="col" { "Due" } } }
                    tbody {
                        @for asset in &assets {
                            tr {
                                th scope="row" { (asset.id) }
                                td.num { (money(asset.nominal_value)) }
                                td {
                                    (badge(&asset.status))
                                    @if asset.status == "active" && asset.due_date < today {
                                        " " span.badge.overdue { "overdue" }
                                    }
                                }
                                td { time datetime=(asset.due_date) { (asset.due_date.format("%d %b %Y")) } }
                            }
                        }
                    }
                }
            }
        }
    };
    layout("Portfolio", "/", &content).into_response()
}

fn insight_label(name: &str) -> &str {
    match name {
        "total_portfolio_value" => "Total portfolio value",
        "default_rate" => "Default rate",
        "outstanding_debt" => "Outstanding debt",
        "collection_rate" => "Collection rate",
        other => other,
    }
}

fn insight_value(name: &str, value: f64) -> String {
    if name.ends_with("_rate") {
        percent(value)
    } else {
        money(value)
    }
}
