//! Logs on stderr in the form Terraform reads from its plugins.
//!
//! go-plugin reads a plugin's stderr line by line. A line that parses as a JSON object
//! becomes a log entry of Terraform's own log: `@level` (trace/debug/info/warn/error)
//! picks the level, `@message` the text, `@timestamp` the time, and every other key is
//! kept as a field. go-plugin parses `@timestamp` with exactly six fractional digits
//! (`2006-01-02T15:04:05.000000Z07:00`); a line it cannot parse is logged verbatim at
//! debug level. [`HclogLayer`] writes exactly that, one object per line.
//!
//! What is logged follows Terraform's switches: `TF_LOG_PROVIDER`, else `TF_LOG`. A level
//! name (any case) sets the level, `OFF` or nothing turns logging off, any other value
//! (such as `JSON`) means TRACE, as in Terraform. Libraries below us (hyper, h2, tonic)
//! log at most WARN, so that TRACE shows the provider rather than HTTP/2 frames.
//!
//! Environment values are never logged.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// The provider's own log switch; wins over [`TF_LOG`].
pub const TF_LOG_PROVIDER: &str = "TF_LOG_PROVIDER";
/// Terraform's global log switch.
pub const TF_LOG: &str = "TF_LOG";

/// `@module` of every entry: Terraform shows it next to the plugin's name.
pub const MODULE: &str = "provider.terraform-provider-ipsec";

/// Crates whose events are logged at the level the user chose; all others are capped
/// at WARN.
const OWN_TARGETS: [&str; 2] = ["terraform_provider_ipsec", "ipsec_core"];

/// The level Terraform's switches ask for: `TF_LOG_PROVIDER`, else `TF_LOG`.
///
/// Empty values count as unset. See the module documentation for the values.
pub fn level_from(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> LevelFilter {
    let chosen = [tf_log_provider, tf_log]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|v| !v.is_empty());
    let Some(value) = chosen else {
        return LevelFilter::OFF;
    };
    match value.to_ascii_uppercase().as_str() {
        "OFF" => LevelFilter::OFF,
        "ERROR" => LevelFilter::ERROR,
        "WARN" => LevelFilter::WARN,
        "INFO" => LevelFilter::INFO,
        "DEBUG" => LevelFilter::DEBUG,
        // TRACE, JSON and unknown values: Terraform logs everything for those.
        _ => LevelFilter::TRACE,
    }
}

/// The level from the process environment ([`level_from`]).
pub fn level_from_env() -> LevelFilter {
    let provider = std::env::var(TF_LOG_PROVIDER).ok();
    let global = std::env::var(TF_LOG).ok();
    level_from(provider.as_deref(), global.as_deref())
}

/// The per-target filter for `level`: ours at `level`, everyone else at most WARN.
pub fn targets(level: LevelFilter) -> Targets {
    OWN_TARGETS
        .iter()
        .fold(Targets::new(), |t, own| t.with_target(*own, level))
        .with_default(level.min(LevelFilter::WARN))
}

/// Installs JSON logging to stderr for managed mode (Terraform reads it).
///
/// Does nothing if a global subscriber is already set (tests, embedding).
pub fn init_plugin_logging() {
    let level = level_from_env();
    let _ = tracing_subscriber::registry()
        .with(HclogLayer::new(std::io::stderr).with_filter(targets(level)))
        .try_init();
}

/// Installs human-readable logging to stderr for `--debug`, where a person reads it.
///
/// Uses Terraform's switches too, but shows INFO when neither is set, so that a debug
/// session is not silent. Does nothing if a global subscriber is already set.
pub fn init_debug_logging() {
    let provider = std::env::var(TF_LOG_PROVIDER).ok();
    let global = std::env::var(TF_LOG).ok();
    let unset = [&provider, &global]
        .iter()
        .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()));
    let level = if unset {
        LevelFilter::INFO
    } else {
        level_from(provider.as_deref(), global.as_deref())
    };
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(targets(level)),
        )
        .try_init();
}

/// A tracing layer writing hclog-style JSON lines (see the module documentation).
///
/// Generic over the writer so that tests can capture the output.
pub struct HclogLayer<W> {
    make_writer: W,
}

impl<W> HclogLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// A layer writing each entry with one `write_all` to a writer from `make_writer`.
    pub fn new(make_writer: W) -> Self {
        Self { make_writer }
    }
}

/// Fields recorded on a span, kept in the span's extensions for its events.
struct SpanFields(Map<String, Value>);

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        span.extensions_mut().insert(SpanFields(visitor.fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = JsonVisitor::default();
        values.record(&mut visitor);
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(SpanFields(fields)) => fields.extend(visitor.fields),
            None => extensions.insert(SpanFields(visitor.fields)),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut entry = Map::new();
        // Outer spans first, so that inner spans and the event itself win on clashes.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    entry.extend(fields.clone());
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        entry.extend(visitor.fields);

        let message = visitor.message.unwrap_or_default();
        entry.insert(
            "@level".into(),
            Value::from(level_name(*event.metadata().level())),
        );
        entry.insert("@message".into(), Value::from(message));
        entry.insert("@module".into(), Value::from(MODULE));
        entry.insert("@timestamp".into(), Value::from(timestamp_now()));
        // The tracing target says where in the provider the event came from.
        entry.insert("target".into(), Value::from(event.metadata().target()));

        let mut line = Value::Object(entry).to_string();
        line.push('\n');
        // One write per entry so that lines from concurrent RPCs never interleave; a
        // failed write to stderr has nowhere better to be reported.
        let _ = self.make_writer.make_writer().write_all(line.as_bytes());
    }
}

/// hclog's level names.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Now in UTC as `2026-11-27T05:01:02.123456Z`: exactly the layout go-plugin parses.
fn timestamp_now() -> String {
    format_timestamp(time::OffsetDateTime::now_utc())
}

fn format_timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = String::with_capacity(27);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    );
    out
}

/// Collects an event's or span's fields as JSON; `message` is kept apart.
#[derive(Default)]
struct JsonVisitor {
    message: Option<String>,
    fields: Map<String, Value>,
}

impl JsonVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn levels_follow_terraforms_switches() {
        let cases: [(Option<&str>, Option<&str>, LevelFilter); 11] = [
            (None, None, LevelFilter::OFF),
            (None, Some(""), LevelFilter::OFF),
            (None, Some("DEBUG"), LevelFilter::DEBUG),
            (None, Some("debug"), LevelFilter::DEBUG),
            (None, Some("JSON"), LevelFilter::TRACE),
            (None, Some("whatever"), LevelFilter::TRACE),
            (None, Some("off"), LevelFilter::OFF),
            (Some("ERROR"), Some("TRACE"), LevelFilter::ERROR),
            (Some(""), Some("WARN"), LevelFilter::WARN),
            (Some("INFO"), None, LevelFilter::INFO),
            (Some("OFF"), Some("TRACE"), LevelFilter::OFF),
        ];
        for (provider, global, expected) in cases {
            assert_eq!(
                level_from(provider, global),
                expected,
                "{provider:?} {global:?}"
            );
        }
    }

    #[test]
    fn timestamp_has_six_fractional_digits() {
        let t = time::Date::from_calendar_date(2026, time::Month::November, 27)
            .unwrap()
            .with_hms_micro(5, 1, 2, 4)
            .unwrap()
            .assume_utc();
        assert_eq!(format_timestamp(t), "2026-11-27T05:01:02.000004Z");
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(level: LevelFilter, f: impl FnOnce()) -> Vec<Value> {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry()
            .with(HclogLayer::new(out.clone()).with_filter(targets(level)));
        tracing::subscriber::with_default(subscriber, f);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn events_become_hclog_json_lines() {
        let lines = capture(LevelFilter::DEBUG, || {
            let span = tracing::info_span!("rpc", rpc = "PlanResourceChange");
            let _g = span.enter();
            tracing::debug!(
                resource = "ipsec_vpn_connection",
                count = 3,
                ok = true,
                "planning"
            );
            tracing::trace!("too detailed");
            tracing::warn!(error = %"boom", "something failed");
        });
        assert_eq!(lines.len(), 2, "{lines:?}");
        let first = &lines[0];
        assert_eq!(first["@level"], "debug");
        assert_eq!(first["@message"], "planning");
        assert_eq!(first["@module"], MODULE);
        assert_eq!(first["resource"], "ipsec_vpn_connection");
        assert_eq!(first["count"], 3);
        assert_eq!(first["ok"], true);
        assert_eq!(
            first["rpc"], "PlanResourceChange",
            "span fields are included"
        );
        let ts = first["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2026-11-27T05:01:02.123456Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
        assert_eq!(lines[1]["@level"], "warn");
        assert_eq!(lines[1]["error"], "boom");
    }

    #[test]
    fn other_crates_are_capped_at_warn() {
        let lines = capture(LevelFilter::TRACE, || {
            tracing::debug!(target: "h2::codec", "frame");
            tracing::warn!(target: "h2::codec", "bad frame");
            tracing::trace!("ours");
        });
        let messages: Vec<_> = lines.iter().map(|l| l["@message"].clone()).collect();
        assert_eq!(messages, ["bad frame", "ours"]);
    }

    #[test]
    fn off_logs_nothing() {
        let lines = capture(level_from(None, None), || tracing::error!("nothing"));
        assert!(lines.is_empty());
    }
}
