//! Logging and tracing for every service in the workload.
//!
//! [`init`] installs one `tracing` subscriber:
//! - log lines as JSON (default) or human-friendly text (`LOG_FORMAT=pretty`), filtered by
//!   `RUST_LOG` (default `info`), batched in memory and written out every 20 ms (see
//!   [`writer`](crate::writer)): one `write` per batch, however busy the service;
//! - when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, an
//!   OpenTelemetry layer exporting spans over OTLP/HTTP (protobuf) in batches.
//!
//! W3C trace context is honoured and propagated either way: [`request_span`] makes the request
//! span a child of the caller's `traceparent` (or starts a trace), and [`TraceContext::inject`]
//! hands it to the next hop. Without an exporter this is a little parsing instead of a full
//! OpenTelemetry span per request.
//!
//! The returned [`Guard`] flushes pending log lines and spans when dropped, so `main` keeps it
//! alive until exit.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

mod writer;

/// Whether spans are exported (an OTLP endpoint was configured at [`init`]).
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// How log lines are written to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, for log shippers (`CloudWatch`, Loki, …).
    Json,
    /// Coloured, multi-line text for a developer's terminal.
    Pretty,
}

impl LogFormat {
    /// Reads `LOG_FORMAT` (`json` or `pretty`; unset means `json`).
    ///
    /// # Errors
    /// [`Error::Config`] naming `LOG_FORMAT` when it holds anything else.
    pub fn from_env() -> Result<Self, Error> {
        match std::env::var("LOG_FORMAT") {
            Err(_) => Ok(Self::Json),
            Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
                "" | "json" => Ok(Self::Json),
                "pretty" | "text" => Ok(Self::Pretty),
                _ => Err(Error::Config {
                    variable: "LOG_FORMAT",
                    reason: format!("expected `json` or `pretty`, got `{value}`"),
                }),
            },
        }
    }
}

/// Why telemetry could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An environment variable holds a value that cannot be used.
    #[error("invalid {variable}: {reason}")]
    Config {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The OTLP exporter could not be built (for example, a malformed endpoint URL).
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
    /// A global subscriber was already installed.
    #[error("a tracing subscriber is already installed")]
    AlreadyInitialised,
}

/// Keeps span export and the log writer alive; dropping it flushes both.
#[must_use = "dropping the guard stops span export and log writing"]
#[derive(Debug)]
pub struct Guard {
    provider: Option<SdkTracerProvider>,
    _log_writer: writer::FlushGuard,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(provider) = &self.provider
            && let Err(error) = provider.shutdown_with_timeout(Duration::from_secs(5))
        {
            tracing::warn!(%error, "flushing spans at shutdown failed");
        }
    }
}

/// Installs the global subscriber. Call once, first thing in `main`.
///
/// `service_name` becomes the exported `service.name` unless `OTEL_SERVICE_NAME` overrides it.
///
/// # Errors
/// A bad `LOG_FORMAT` or `RUST_LOG`, an unusable OTLP endpoint, or a second call.
pub fn init(service_name: &'static str, version: &'static str) -> Result<Guard, Error> {
    let format = LogFormat::from_env()?;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .map_err(|error| Error::Config {
                variable: "RUST_LOG",
                reason: error.to_string(),
            })?,
        _ => EnvFilter::new("info"),
    };

    let provider = if otlp_configured() {
        Some(tracer_provider(service_name, version)?)
    } else {
        None
    };
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(service_name))
            .with_threads(false)
            .with_location(false)
            .with_tracked_inactivity(false)
    });

    let (writer, log_writer) = writer::stdout();
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let installed = match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_target(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .pretty(),
            )
            .try_init(),
    };
    installed.map_err(|_| Error::AlreadyInitialised)?;
    if let Some(provider) = &provider {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        opentelemetry::global::set_tracer_provider(provider.clone());
        EXPORTING.store(true, Ordering::Relaxed);
    }
    Ok(Guard {
        provider,
        _log_writer: log_writer,
    })
}

fn tracer_provider(
    service_name: &'static str,
    version: &'static str,
) -> Result<SdkTracerProvider, Error> {
    let resource = Resource::builder()
        .with_service_name(service_name)
        .with_attribute(opentelemetry::KeyValue::new("service.version", version))
        .build();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|error| Error::Exporter(error.to_string()))?;
    Ok(SdkTracerProvider::builder()
        .with_resource(resource)
        .with_batch_exporter(exporter)
        .build())
}

fn otlp_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()))
}

/// Whether spans leave the process.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The W3C trace context of the request being served: its trace, the id of this hop's span, and
/// whether the trace is sampled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    sampled: bool,
}

/// Starts the server span of an HTTP request, and its trace context: a child of the caller's
/// `traceparent` when that is valid, else the root of a new trace.
///
/// The span carries `request_id` and `trace_id`, so every log line inside it has both. Its fields
/// are set once, at creation: adding a field later makes the JSON formatter re-parse them all.
/// When spans are exported, the span becomes the child of the caller's span and the ids are
/// those of the exported span, so logs and traces agree.
pub fn request_span(
    request_id: &str,
    method: &http::Method,
    route: &str,
    headers: &http::HeaderMap,
) -> (tracing::Span, TraceContext) {
    if !exporting() {
        let trace = TraceContext::from_headers(headers);
        let span = tracing::info_span!("request", request_id, trace_id = %trace.trace_id());
        return (span, trace);
    }
    let span = tracing::info_span!(
        "request",
        request_id,
        trace_id = tracing::field::Empty,
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
    );
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    // Only fails when the span is disabled by the filter; it then has no parent.
    let _ = span.set_parent(parent);
    let context = span.context();
    let span_ref = context.span();
    let span_context = span_ref.span_context();
    let trace = if span_context.is_valid() {
        TraceContext {
            trace_id: span_context.trace_id().to_bytes(),
            span_id: span_context.span_id().to_bytes(),
            sampled: span_context.is_sampled(),
        }
    } else {
        TraceContext::from_headers(headers)
    };
    span.record("trace_id", tracing::field::display(trace.trace_id()));
    (span, trace)
}

impl TraceContext {
    /// This hop's context: the caller's trace (from `traceparent`) with a new span id, or a new
    /// unsampled trace when there is no valid caller context.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let caller = headers
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(Self::parse);
        let random = uuid::Uuid::new_v4().into_bytes();
        let mut span_id = [0; 8];
        span_id.copy_from_slice(&random[..8]);
        caller.map_or_else(
            || Self {
                trace_id: uuid::Uuid::new_v4().into_bytes(),
                span_id,
                sampled: false,
            },
            |caller| Self { span_id, ..caller },
        )
    }

    /// Parses a `traceparent` header value (W3C Trace Context level 1). Returns the caller's
    /// context, or `None` when the value is malformed or uses the all-zero ids.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.trim().split('-');
        let version = parts.next()?;
        let trace_id = parts.next()?;
        let span_id = parts.next()?;
        let flags = parts.next()?;
        let valid_version = version.len() == 2 && version != "ff" && is_lower_hex(version);
        // Version 00 has exactly four fields; later versions may append more.
        if !valid_version || (version == "00" && parts.next().is_some()) || flags.len() != 2 {
            return None;
        }
        let trace_id: [u8; 16] = decode_hex(trace_id)?;
        let span_id: [u8; 8] = decode_hex(span_id)?;
        let [flags] = decode_hex::<1>(flags)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id(&self) -> String {
        hex::encode(self.trace_id)
    }

    /// The `traceparent` value that makes the next hop a child of this one.
    pub fn traceparent(&self) -> String {
        format!(
            "00-{}-{}-{}",
            hex::encode(self.trace_id),
            hex::encode(self.span_id),
            if self.sampled { "01" } else { "00" }
        )
    }

    /// Writes `traceparent` into the headers of an outgoing request.
    pub fn inject(&self, headers: &mut http::HeaderMap) {
        if let Ok(value) = http::HeaderValue::from_str(&self.traceparent()) {
            headers.insert("traceparent", value);
        }
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.traceparent())
    }
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2 || !is_lower_hex(text) {
        return None;
    }
    let mut bytes = [0; N];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(bytes)
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    fn headers(traceparent: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "traceparent",
            http::HeaderValue::from_str(traceparent).unwrap(),
        );
        headers
    }

    #[test]
    fn a_request_joins_the_callers_trace_with_a_new_span() {
        let context = TraceContext::from_headers(&headers(CALLER));
        assert_eq!(context.trace_id(), "0af7651916cd43dd8448eb211c80319c");
        let next_hop = context.traceparent();
        assert!(
            next_hop.starts_with("00-0af7651916cd43dd8448eb211c80319c-"),
            "{next_hop}"
        );
        assert!(
            next_hop.ends_with("-01"),
            "the caller's sampling decision is kept"
        );
        assert_ne!(
            &next_hop[36..52],
            "b7ad6b7169203331",
            "this hop has its own span id"
        );
    }

    #[test]
    fn a_request_without_a_valid_traceparent_starts_a_trace() {
        for value in [
            "",
            "garbage",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        ] {
            assert_eq!(TraceContext::parse(value), None, "{value}");
            let context = TraceContext::from_headers(&headers(value));
            assert_ne!(context.trace_id(), "0af7651916cd43dd8448eb211c80319c");
            assert_eq!(context.trace_id().len(), 32);
        }
        assert!(
            TraceContext::parse("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-later")
                .is_some()
        );
    }

    #[test]
    fn inject_writes_a_parseable_traceparent() {
        let context = TraceContext::from_headers(&http::HeaderMap::new());
        let mut outgoing = http::HeaderMap::new();
        context.inject(&mut outgoing);
        let sent = outgoing["traceparent"].to_str().unwrap();
        assert_eq!(TraceContext::parse(sent), Some(context));
    }
}
