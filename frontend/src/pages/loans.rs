//! The loan console: `/loans` (list, filters, pages), `/loans/new` (the application form),
//! `/loans/{id}` (a loan and the lifecycle moves open to it).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Context, badge, layout, money_text};
use crate::api::{ApiError, Application, FieldError, LoanFilters};
use crate::startup::AppState;

const PAGE_SIZE: u32 = 20;
const STATUSES: [&str; 6] = [
    "pending",
    "approved",
    "rejected",
    "disbursed",
    "repaid",
    "defaulted",
];

/// The list's query string: filters, where this page starts, and the pages before it.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filters: LoanFilters,
    #[serde(default)]
    cursor: String,
    /// The cursors of the previous pages, oldest first, comma-separated (empty = the first page).
    #[serde(default)]
    back: Option<String>,
}

/// `GET /loans`.
pub async fn list(
    State(state): State<AppState>,
    Context(context): Context,
    Query(query): Query<ListQuery>,
) -> Response {
    let cursor = (!query.cursor.is_empty()).then_some(query.cursor.as_str());
    let page = match state
        .api
        .loans(&query.filters, cursor, PAGE_SIZE, &context)
        .await
    {
        Ok(page) => page,
        Err(ApiError::Invalid(errors)) => {
            return list_page(&query, &[], None, None, &errors).into_response();
        }
        Err(error) => return super::errors::api_failure(&error, "/loans"),
    };
    let filters = serde_urlencoded::to_string(&query.filters).unwrap_or_default();
    let with = |pairs: &[(&str, &str)]| {
        let extra = serde_urlencoded::to_string(pairs).unwrap_or_default();
        match (filters.is_empty(), extra.is_empty()) {
            (true, _) => format!("/loans?{extra}"),
            (false, true) => format!("/loans?{filters}"),
            (false, false) => format!("/loans?{filters}&{extra}"),
        }
    };
    let history: Vec<&str> = query
        .back
        .as_deref()
        .map(|back| back.split(',').collect())
        .unwrap_or_default();
    let next = page.next_cursor.as_deref().map(|next| {
        let mut back = history.clone();
        back.push(&query.cursor);
        with(&[("cursor", next), ("back", &back.join(","))])
    });
    let previous = query.back.as_ref().map(|_| {
        let (last, earlier) = history
            .split_last()
            .map_or(("", &[][..]), |(last, earlier)| (*last, earlier));
        let mut pairs = vec![("cursor", last)];
        let earlier = earlier.join(",");
        if !earlier.is_empty() || history.len() > 1 {
            pairs.push(("back", &earlier));
        }
        with(&pairs)
    });
    list_page(&query, &page.items, next, previous, &[]).into_response()
}

fn list_page(
    query: &ListQuery,
    loans: &[crate::api::Loan],
    next: Option<String>,
    previous: Option<String>,
    errors: &[FieldError],
) -> Markup {
    let filters = &query.filters;
    let content = html! {
        h1 { "Loans" }
        p { a.button href="/loans/new" { "Apply for a loan" } }
        form.filters method="get" action="/loans" {
            div {
                label for="status" { "Status" }
                select #status name="status" {
                    option value="" selected[filters.status.is_empty()] { "All statuses" }
                    @for status in STATUSES { option value=(status) selected[filters.status == status] { (status) } }
                }
            }
            div {
                label for="currency" { "Currency" }
                input #currency name="currency" value=(filters.currency) maxlength="3" size="5" autocomplete="off";
            }
            div {
                label for="borrower_id" { "Borrower" }
                input #borrower_id name="borrower_id" value=(filters.borrower_id) autocomplete="off";
            }
            button.secondary type="submit" { "Filter" }
        }
        @for error in errors { p.error role="alert" { "The filter " (error.field) " " (error.message) "." } }
        div.panel {
            table #loans {
                caption { "Loans, newest first" }
                thead { tr {
                    th scope="col" { "Borrower" } th.num scope="col" { "Amount" } th scope="col" { "Currency" }
                    th scope="col" { "Status" } th scope="col" { "Applied" }
                } }
                tbody {
                    @for loan in loans {
                        tr {
                            th scope="row" { a href={ "/loans/" (loan.id) } { (loan.borrower_id) } }
                            td.num { (money_text(&loan.amount)) }
                            td { (loan.currency) }
                            td { (badge(&loan.status)) }
                            td { (loan.created_at.get(..10).unwrap_or(&loan.created_at)) }
                        }
                    }
                    @if loans.is_empty() { tr { td colspan="5" { "No loans match." } } }
                }
            }
        }
        nav.pager aria-label="Pages" {
            @if let Some(previous) = previous { a.button.secondary href=(previous) rel="prev" { "← Previous" } } @else { span {} }
            @if let Some(next) = next { a.button.secondary href=(next) rel="next" { "Next →" } }
        }
    };
    layout("Loans", "/loans", &content)
}

/// The application form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct ApplicationForm {
    #[serde(flatten)]
    application: Application,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    idempotency_key: String,
}

/// `GET /loans/new`.
pub async fn new(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let issued = state.csrf.issue(&headers);
    let key = uuid::Uuid::new_v4().to_string();
    let mut response =
        form_page(&Application::default(), &[], None, &issued.token, &key).into_response();
    if let Some(cookie) = issued.set_cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /loans/new`: creates the loan, or shows the form again with each error beside its
/// field and what was typed kept.
pub async fn create(
    State(state): State<AppState>,
    Context(context): Context,
    headers: HeaderMap,
    Form(form): Form<ApplicationForm>,
) -> Response {
    if !state.csrf.verify(&headers, &form.csrf) {
        return forbidden();
    }
    let key = if valid_key(&form.idempotency_key) {
        form.idempotency_key.clone()
    } else {
        uuid::Uuid::new_v4().to_string()
    };
    let token = state.csrf.issue(&headers).token;
    match state
        .api
        .create_loan(&form.application, &key, &context)
        .await
    {
        Ok(loan) => Redirect::to(&format!("/loans/{}?notice=created", loan.id)).into_response(),
        Err(ApiError::Invalid(errors)) => {
            // A refused application does not use up its key: the corrected one may reuse it.
            (
                StatusCode::BAD_REQUEST,
                form_page(&form.application, &errors, None, &token, &key),
            )
                .into_response()
        }
        Err(ApiError::Refused(detail)) => {
            let fresh = uuid::Uuid::new_v4().to_string();
            (
                StatusCode::CONFLICT,
                form_page(&form.application, &[], Some(&detail), &token, &fresh),
            )
                .into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "loan application failed");
            let message = "The loan service is not answering, so nothing was submitted. Your application is kept below: try again shortly.";
            (
                StatusCode::SERVICE_UNAVAILABLE,
                form_page(&form.application, &[], Some(message), &token, &key),
            )
                .into_response()
        }
    }
}

fn valid_key(key: &str) -> bool {
    uuid::Uuid::try_parse(key).is_ok()
}

fn forbidden() -> Response {
    let content = html! {
        h1 { "This form has expired" }
        p.lead { "For your protection the form could not be accepted. Open it again and resubmit." }
        p { a.button href="/loans/new" { "Open the form again" } }
    };
    (
        StatusCode::FORBIDDEN,
        layout("Form expired", "/loans", &content),
    )
        .into_response()
}

fn form_page(
    application: &Application,
    errors: &[FieldError],
    problem: Option<&str>,
    csrf: &str,
    key: &str,
) -> Markup {
    let error_for = |field: &str| {
        errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.clone())
    };
    let field = |name: &'static str, label: &str, value: &str, hint: &str, input_mode: &str| {
        let error = error_for(name);
        let hint_id = format!("{name}-hint");
        let error_id = format!("{name}-error");
        let described = if error.is_some() {
            format!("{hint_id} {error_id}")
        } else {
            hint_id.clone()
        };
        html! {
            div.field {
                label for=(name) { (label) }
                input #(name) name=(name) value=(value) inputmode=(input_mode) aria-describedby=(described)
                    aria-invalid=[error.as_ref().map(|_| "true")];
                p.hint #(hint_id) { (hint) }
                @if let Some(error) = &error { p.error #(error_id) { "This " (label.to_lowercase()) " " (error) "." } }
            }
        }
    };
    let content = html! {
        h1 { "Apply for a loan" }
        @if !errors.is_empty() {
            div.notice.bad role="alert" { p { "The application was not accepted: please correct the highlighted fields." } }
        }
        @if let Some(problem) = problem { div.notice.bad role="alert" { p { (problem) } } }
        div.panel {
            form method="post" action="/loans/new" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="idempotency_key" value=(key);
                (field("borrower_id", "Borrower", &application.borrower_id, "The borrower's id, for example usr_kenya_001.", "text"))
                (field("amount", "Amount", &application.amount, "Up to 50,000, with at most two decimals.", "decimal"))
                (field("currency", "Currency", &application.currency, "Three letters, for example KES.", "text"))
                (field("term_months", "Term in months", &application.term_months, "Optional: 1 to 600.", "numeric"))
                (field("interest_rate_apr", "Interest rate (APR %)", &application.interest_rate_apr, "Optional: 0 to 100.", "decimal"))
                @for error in errors.iter().filter(|e| !["borrower_id", "amount", "currency", "term_months", "interest_rate_apr"].contains(&e.field.as_str())) {
                    p.error { (error.field) " " (error.message) }
                }
                div.actions {
                    button type="submit" { "Submit application" }
                    a.button.secondary href="/loans" { "Cancel" }
                }
            }
        }
    };
    layout("Apply for a loan", "/loans", &content)
}

/// What a notice code in the query string says (codes, not text, so nothing is reflected).
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    notice: String,
}

fn notice(code: &str) -> Option<(&'static str, &'static str)> {
    match code {
        "created" => Some(("ok", "The application was submitted.")),
        "moved" => Some(("ok", "The loan's status was changed.")),
        "stale" => Some((
            "warn",
            "Someone changed this loan while you were looking at it; here it is as it is now.",
        )),
        "refused" => Some((
            "bad",
            "That change is not allowed from the loan's current status.",
        )),
        "unavailable" => Some((
            "bad",
            "The loan service is not answering; nothing was changed.",
        )),
        _ => None,
    }
}

/// The moves the lifecycle allows from a status: (target status, button label, style).
fn moves(status: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match status {
        "pending" => &[
            ("approved", "Approve", ""),
            ("rejected", "Reject", "danger"),
        ],
        "approved" => &[("disbursed", "Disburse", "")],
        "disbursed" => &[
            ("repaid", "Mark repaid", ""),
            ("defaulted", "Mark defaulted", "danger"),
        ],
        _ => &[],
    }
}

/// `GET /loans/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Context(context): Context,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    if uuid::Uuid::try_parse(&id).is_err() {
        return super::errors::not_found();
    }
    let (loan, etag) = match state.api.loan(&id, &context).await {
        Ok(found) => found,
        Err(error) => return super::errors::api_failure(&error, "/loans"),
    };
    let issued = state.csrf.issue(&headers);
    let content = html! {
        p { a href="/loans" { "← All loans" } }
        @if let Some((kind, text)) = notice(&query.notice) { div class={ "notice " (kind) } role="status" { p { (text) } } }
        h1 { "Loan to " (loan.borrower_id) }
        div.panel {
            dl.facts {
                dt { "Status" } dd #loan-status { (badge(&loan.status)) }
                dt { "Amount" } dd { (money_text(&loan.amount)) " " (loan.currency) }
                dt { "Term" } dd { @if let Some(months) = loan.term_months { (months) " months" } @else { "—" } }
                dt { "Interest rate" } dd { @if let Some(rate) = &loan.interest_rate_apr { (rate) " % APR" } @else { "—" } }
                dt { "Applied" } dd { (loan.created_at) }
                dt { "Last change" } dd { (loan.updated_at) }
                dt { "Loan id" } dd { code { (loan.id) } }
            }
            @let available = moves(&loan.status);
            @if available.is_empty() {
                p { "This loan is " (loan.status) "; its lifecycle is complete." }
            } @else {
                h2 { "Next step" }
                div.actions {
                    @for (status, label, style) in available {
                        form method="post" action={ "/loans/" (loan.id) "/status" } {
                            input type="hidden" name="csrf" value=(issued.token);
                            input type="hidden" name="etag" value=(etag);
                            input type="hidden" name="status" value=(status);
                            button type="submit" class=(style) { (label) }
                        }
                    }
                }
            }
        }
    };
    let mut response =
        layout(&format!("Loan to {}", loan.borrower_id), "/loans", &content).into_response();
    if let Some(cookie) = issued.set_cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A lifecycle move as posted.
#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    etag: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /loans/{id}/status`: moves the loan and goes back to it with a notice.
pub async fn change_status(
    State(state): State<AppState>,
    Context(context): Context,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    if !state.csrf.verify(&headers, &form.csrf) {
        return forbidden();
    }
    if uuid::Uuid::try_parse(&id).is_err() || !STATUSES.contains(&form.status.as_str()) {
        return super::errors::not_found();
    }
    let etag = if form.etag.is_empty() {
        "*"
    } else {
        form.etag.as_str()
    };
    let notice = match state
        .api
        .change_status(&id, &form.status, etag, &context)
        .await
    {
        Ok(_) => "moved",
        Err(ApiError::Refused(detail)) if detail.contains("changed since") => "stale",
        Err(ApiError::Refused(_) | ApiError::Invalid(_)) => "refused",
        Err(ApiError::NotFound) => return super::errors::not_found(),
        Err(error) => {
            tracing::warn!(%error, "status change failed");
            "unavailable"
        }
    };
    let mut response = Redirect::to(&format!("/loans/{id}?notice={notice}")).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
