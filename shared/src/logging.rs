//! Logging: tracing to stderr only (stdout belongs to the protocol in stdio mode).
//!
//! `RUST_LOG` sets the filter (default `info`); `--log-format json` switches to one
//! JSON object per line. Nothing here logs arguments, tokens or file contents:
//! callers log names, counts and durations only.

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The filter for `RUST_LOG` (default `info`). The MCP SDK's own logs stay at `warn`
/// unless `RUST_LOG` names `rmcp` explicitly: at lower levels it logs whole messages,
/// which can hold file contents or tokens.
fn filter_for(rust_log: Option<&str>) -> EnvFilter {
    let spec = rust_log.filter(|s| !s.trim().is_empty()).unwrap_or("info");
    let spec = if spec.contains("rmcp") {
        spec.to_string()
    } else {
        format!("{spec},rmcp=warn")
    };
    EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"))
}

/// Installs the global subscriber. Safe to call once per process; later calls are no-ops.
pub fn init(format: LogFormat) {
    let filter = filter_for(std::env::var("RUST_LOG").ok().as_deref());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::filter_for;

    #[test]
    fn sdk_message_logs_stay_quiet_unless_asked_for() {
        assert_eq!(filter_for(None).to_string(), "rmcp=warn,info");
        assert_eq!(filter_for(Some("debug")).to_string(), "rmcp=warn,debug");
        assert_eq!(
            filter_for(Some("debug,rmcp=trace")).to_string(),
            "rmcp=trace,debug"
        );
    }
}
