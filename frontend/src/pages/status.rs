//! `/status`: each tier's health, as the gateway's `/ready` reports it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Context, layout};
use crate::startup::AppState;

/// The status page. It renders even when the gateway is down: saying so is its job.
pub async fn page(State(state): State<AppState>, Context(context): Context) -> Response {
    let report = state.api.ready(&context).await;
    let content = html! {
        h1 { "Service status" }
        div.panel {
            table #tiers {
                caption { "Each tier as the gateway sees it" }
                thead { tr { th scope="col" { "Tier" } th scope="col" { "State" } th scope="col" { "Detail" } } }
                tbody {
                    tr { th scope="row" { "web" } td.state-up { "up" } td { "serving this page" } }
                    @match &report {
                        Ok((status, body)) => {
                            tr {
                                th scope="row" { "gateway" }
                                @if status.is_success() { td.state-up { "up" } } @else { td.state-down { "degraded" } }
                                td { "answered " (status.as_u16()) }
                            }
                            @for (name, check) in body["checks"].as_object().into_iter().flatten() {
                                @let up = check["status"] == "up";
                                tr {
                                    th scope="row" { (name) }
                                    @if up { td.state-up { "up" } } @else { td.state-down { "down" } }
                                    td { (check["detail"].as_str().unwrap_or("")) }
                                }
                            }
                        }
                        Err(error) => {
                            tr { th scope="row" { "gateway" } td.state-down { "down" } td { (error.to_string()) } }
                        }
                    }
                }
            }
        }
    };
    layout("Status", "/status", &content).into_response()
}
