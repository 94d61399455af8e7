//! Logging and tracing for every service in the workload.
//!
//! [`init`] installs one `tracing` subscriber with:
//! - a log layer writing JSON lines (default) or human-friendly text (`LOG_FORMAT=pretty`),
//!   filtered by `RUST_LOG` (default `info`);
//! - an OpenTelemetry layer, always present so that W3C `traceparent` headers are honoured and
//!   every request has a trace id to log and forward. Spans leave the process only when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; they are
//!   then exported over OTLP/HTTP (protobuf) in batches.
//!
//! The returned [`Guard`] flushes pending spans when dropped, so `main` keeps it alive until exit.

use std::time::Duration;

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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

/// Keeps the tracer provider alive; dropping it flushes and shuts down span export.
#[must_use = "dropping the guard stops span export"]
#[derive(Debug)]
pub struct Guard {
    provider: SdkTracerProvider,
    exporting: bool,
}

impl Guard {
    /// Whether spans are exported over OTLP (an endpoint was configured).
    pub fn exporting(&self) -> bool {
        self.exporting
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.exporting
            && let Err(error) = self.provider.shutdown_with_timeout(Duration::from_secs(5))
        {
            tracing::warn!(%error, "flushing spans at shutdown failed");
        }
    }
}

/// Installs the global subscriber and the W3C trace-context propagator.
///
/// `service_name` becomes the OpenTelemetry `service.name` unless `OTEL_SERVICE_NAME` overrides
/// it. Call once, first thing in `main`.
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

    let (provider, exporting) = tracer_provider(service_name, version)?;
    let tracer = provider.tracer(service_name);
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());

    let otel = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_threads(false)
        .with_location(false)
        .with_tracked_inactivity(false);
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let installed = match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_target(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().pretty())
            .try_init(),
    };
    installed.map_err(|_| Error::AlreadyInitialised)?;
    Ok(Guard {
        provider,
        exporting,
    })
}

fn tracer_provider(
    service_name: &'static str,
    version: &'static str,
) -> Result<(SdkTracerProvider, bool), Error> {
    let resource = Resource::builder()
        .with_service_name(service_name)
        .with_attribute(opentelemetry::KeyValue::new("service.version", version))
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    if !otlp_configured() {
        return Ok((builder.build(), false));
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|error| Error::Exporter(error.to_string()))?;
    Ok((builder.with_batch_exporter(exporter).build(), true))
}

fn otlp_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()))
}

/// Makes `span` a child of the trace described by the W3C `traceparent`/`tracestate` headers in
/// `headers` (if any) and returns the span's trace id as 32 hex digits.
pub fn adopt_remote_parent(span: &tracing::Span, headers: &http::HeaderMap) -> String {
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    // An error only means the OpenTelemetry layer is not installed (unit tests); the span then
    // simply has no remote parent.
    let _ = span.set_parent(parent);
    span.context().span().span_context().trace_id().to_string()
}

/// Writes the W3C trace-context headers for the current span into `headers`, so that the next
/// hop joins the same trace.
pub fn inject_current_context(headers: &mut http::HeaderMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(headers));
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

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracting_a_traceparent_without_the_layer_yields_no_trace() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
        );
        let span = tracing::info_span!("request");
        // Without a subscriber the span is disabled: the trace id is the invalid all-zero id.
        assert_eq!(
            adopt_remote_parent(&span, &headers),
            "00000000000000000000000000000000"
        );
    }
}
