//! `mcp-bench`: a small MCP client for benchmarking servers over stdio.
//!
//! It spawns a server command as a child process (rmcp `TokioChildProcess`),
//! performs the `initialize` handshake and then, depending on the mode:
//!
//! * `call`: calls one tool `--repeat` times on the same connection (after
//!   `--warmup` untimed calls) and prints each call's wall time and a summary;
//! * `cold`: `--repeat` times spawns a fresh server, initializes, calls the tool
//!   once and shuts it down, timing spawn → result (whole-process cost);
//! * `rss`: reports the server's resident set size (`VmRSS`, `VmHWM` from
//!   `/proc/<pid>/status`) after initialize and `--settle-ms` of idling, and,
//!   when `--tool` is given, again after the tool calls.
//! * `edit`: writes a `--size`-byte text file at `--file` (which must lie under
//!   the server's root; the server needs `--allow-write`), then times `--repeat`
//!   `edit_file` calls on it, each changing one line in its middle;
//! * `write`: times `--repeat` `write_file` calls of `--size` bytes to `--file`
//!   (alternating two contents, so every call really writes) and reports MB/s.
//!
//! Output is JSON lines on stdout (`"kind": "call" | "summary" | "rss"`), so
//! shell scripts can pick values out with `python3 -c` or `jq`.
//!
//! ```text
//! mcp-bench call --tool grep --args '{"pattern":"X"}' --repeat 10 -- fs-server /data
//! mcp-bench cold --tool grep --args '{"pattern":"X"}' --repeat 5 -- fs-server /data
//! mcp-bench rss --settle-ms 500 -- fs-server /data
//! mcp-bench edit --file /data/big.txt --size 1000000 --repeat 20 -- fs-server --allow-write /data
//! mcp-bench write --file /data/out.txt --size 16000000 --repeat 5 -- fs-server --allow-write /data
//! ```

use std::fs::File;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ServiceExt, model::JsonObject};
use serde_json::{Value, json};

const USAGE: &str = "\
usage: mcp-bench <call|cold|rss|edit|write> [OPTIONS] -- SERVER_COMMAND [ARGS...]

modes:
  call   one connection; --warmup untimed calls, then --repeat timed tool calls
  cold   --repeat times: spawn + initialize + one tool call (whole-process time)
  rss    idle RSS after initialize (+ RSS after the tool calls if --tool is given)
  edit   edit_file latency: one line changed per call in a --size-byte file at --file
  write  write_file throughput: --size bytes written to --file per call (MB/s)

options:
  --tool NAME            tool to call (required for call and cold)
  --args JSON            tool arguments as a JSON object (default {})
  --repeat N             timed repetitions (default 5)
  --warmup N             untimed calls first (default 1 in call mode, 0 otherwise)
  --label TEXT           label copied into every output line
  --settle-ms MS         rss mode: idle time before reading /proc (default 500)
  --expect TEXT          fail unless every result's text contains TEXT
  --allow-error          do not fail when a result has isError: true
  --server-stderr PATH   append the server's stderr to PATH (default: discard)
  --show-result          print the first result's text to stderr
  --save-result PATH     write the last result's text to PATH
  --file PATH            edit/write modes: the file (under the server's root)
  --size BYTES           edit/write modes: file or content size (default 1000000)
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Call,
    Cold,
    Rss,
    Edit,
    Write,
}

#[derive(Debug)]
struct Opts {
    mode: Mode,
    tool: Option<String>,
    args: JsonObject,
    repeat: usize,
    warmup: Option<usize>,
    label: String,
    settle: Duration,
    expect: Option<String>,
    allow_error: bool,
    server_stderr: Option<PathBuf>,
    show_result: bool,
    save_result: Option<PathBuf>,
    command: Vec<String>,
    file: Option<PathBuf>,
    size: usize,
}

fn parse_args(argv: Vec<String>) -> Result<Opts> {
    let mut it = argv.into_iter();
    let mode = match it.next().as_deref() {
        Some("call") => Mode::Call,
        Some("cold") => Mode::Cold,
        Some("rss") => Mode::Rss,
        Some("edit") => Mode::Edit,
        Some("write") => Mode::Write,
        Some("-h" | "--help") | None => bail!("{USAGE}"),
        Some(other) => bail!("unknown mode {other:?}\n{USAGE}"),
    };
    let mut opts = Opts {
        mode,
        tool: None,
        args: JsonObject::new(),
        repeat: 5,
        warmup: None,
        label: String::new(),
        settle: Duration::from_millis(500),
        expect: None,
        allow_error: false,
        server_stderr: None,
        show_result: false,
        save_result: None,
        command: Vec::new(),
        file: None,
        size: 1_000_000,
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--" => {
                opts.command = it.by_ref().collect();
                break;
            }
            "--tool" => opts.tool = Some(value("--tool")?),
            "--args" => {
                let raw = value("--args")?;
                opts.args = match serde_json::from_str::<Value>(&raw)
                    .with_context(|| format!("--args is not JSON: {raw}"))?
                {
                    Value::Object(map) => map,
                    _ => bail!("--args must be a JSON object"),
                };
            }
            "--repeat" => opts.repeat = value("--repeat")?.parse().context("--repeat")?,
            "--warmup" => opts.warmup = Some(value("--warmup")?.parse().context("--warmup")?),
            "--label" => opts.label = value("--label")?,
            "--settle-ms" => {
                opts.settle =
                    Duration::from_millis(value("--settle-ms")?.parse().context("--settle-ms")?)
            }
            "--expect" => opts.expect = Some(value("--expect")?),
            "--allow-error" => opts.allow_error = true,
            "--server-stderr" => opts.server_stderr = Some(value("--server-stderr")?.into()),
            "--show-result" => opts.show_result = true,
            "--save-result" => opts.save_result = Some(value("--save-result")?.into()),
            "--file" => opts.file = Some(value("--file")?.into()),
            "--size" => opts.size = value("--size")?.parse().context("--size")?,
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unknown option {other:?}\n{USAGE}"),
        }
    }
    if opts.command.is_empty() {
        bail!("missing server command after --\n{USAGE}");
    }
    let own_tool = matches!(opts.mode, Mode::Edit | Mode::Write);
    if own_tool && opts.file.is_none() {
        bail!("--file is required in this mode\n{USAGE}");
    }
    if own_tool {
        opts.tool = Some(
            if opts.mode == Mode::Edit {
                "edit_file"
            } else {
                "write_file"
            }
            .into(),
        );
    }
    if opts.mode != Mode::Rss && opts.tool.is_none() {
        bail!("--tool is required in this mode\n{USAGE}");
    }
    if opts.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    Ok(opts)
}

type Client = RunningService<RoleClient, ()>;

/// Spawns the server and completes the MCP handshake; returns the client and the child pid.
async fn connect(opts: &Opts) -> Result<(Client, u32)> {
    let mut cmd = tokio::process::Command::new(&opts.command[0]);
    cmd.args(&opts.command[1..]);
    let stderr: Stdio = match &opts.server_stderr {
        Some(path) => File::options()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?
            .into(),
        None => Stdio::null(),
    };
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("spawning {:?}", opts.command))?;
    let pid = transport.id().context("child has no pid")?;
    let client = ().serve(transport).await.map_err(|e| anyhow!("initialize failed: {e}"))?;
    Ok((client, pid))
}

struct CallOutcome {
    secs: f64,
    is_error: bool,
    text: String,
    blocks: usize,
}

async fn call_once(client: &Client, opts: &Opts) -> Result<CallOutcome> {
    let tool = opts.tool.clone().context("--tool")?;
    let params = CallToolRequestParams::new(tool.clone()).with_arguments(opts.args.clone());
    let start = Instant::now();
    let result: CallToolResult = client
        .call_tool(params)
        .await
        .map_err(|e| anyhow!("tools/call {tool} failed: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    let text = result
        .content
        .iter()
        .filter_map(ContentBlock::as_text)
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(CallOutcome {
        secs,
        is_error: result.is_error.unwrap_or(false),
        text,
        blocks: result.content.len(),
    })
}

fn check(outcome: &CallOutcome, opts: &Opts) -> Result<()> {
    if outcome.is_error && !opts.allow_error {
        bail!("tool returned isError: {}", first_chars(&outcome.text, 500));
    }
    if let Some(expect) = &opts.expect
        && !outcome.text.contains(expect.as_str())
    {
        bail!(
            "result does not contain {expect:?}: {}",
            first_chars(&outcome.text, 500)
        );
    }
    Ok(())
}

fn first_chars(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

fn median(samples: &[f64]) -> f64 {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

fn emit(value: Value) {
    println!("{value}");
}

fn save_result(opts: &Opts, last: &CallOutcome) -> Result<()> {
    if let Some(path) = &opts.save_result {
        std::fs::write(path, &last.text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn summary(opts: &Opts, samples: &[f64], last: &CallOutcome, extra: Value) -> Value {
    let mut v = json!({
        "kind": "summary",
        "mode": format!("{:?}", opts.mode).to_lowercase(),
        "label": opts.label,
        "tool": opts.tool,
        "repeat": samples.len(),
        "median_s": median(samples),
        "min_s": samples.iter().copied().fold(f64::INFINITY, f64::min),
        "max_s": samples.iter().copied().fold(0.0, f64::max),
        "result_bytes": last.text.len(),
        "result_lines": last.text.lines().count(),
        "result_blocks": last.blocks,
        "is_error": last.is_error,
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut v, extra) {
        map.extend(more);
    }
    v
}

fn record(opts: &Opts, i: usize, outcome: &CallOutcome) {
    emit(json!({
        "kind": "call",
        "label": opts.label,
        "tool": opts.tool,
        "i": i,
        "secs": outcome.secs,
        "is_error": outcome.is_error,
        "result_bytes": outcome.text.len(),
    }));
}

async fn shutdown(client: Client) {
    // Closing the transport ends the stdio session; the child is killed on drop.
    let _ = tokio::time::timeout(Duration::from_secs(5), client.cancel()).await;
}

async fn run_call(opts: &Opts) -> Result<()> {
    let started = Instant::now();
    let (client, _pid) = connect(opts).await?;
    let init_s = started.elapsed().as_secs_f64();
    for _ in 0..opts.warmup.unwrap_or(1) {
        let outcome = call_once(&client, opts).await?;
        check(&outcome, opts)?;
    }
    let mut samples = Vec::with_capacity(opts.repeat);
    let mut last = None;
    for i in 0..opts.repeat {
        let outcome = call_once(&client, opts).await?;
        check(&outcome, opts)?;
        if i == 0 && opts.show_result {
            eprintln!("{}", outcome.text);
        }
        record(opts, i, &outcome);
        samples.push(outcome.secs);
        last = Some(outcome);
    }
    shutdown(client).await;
    let last = last.context("no samples")?;
    save_result(opts, &last)?;
    emit(summary(opts, &samples, &last, json!({ "init_s": init_s })));
    Ok(())
}

async fn run_cold(opts: &Opts) -> Result<()> {
    for _ in 0..opts.warmup.unwrap_or(0) {
        let (client, _) = connect(opts).await?;
        check(&call_once(&client, opts).await?, opts)?;
        shutdown(client).await;
    }
    let mut samples = Vec::with_capacity(opts.repeat);
    let mut last = None;
    for i in 0..opts.repeat {
        let started = Instant::now();
        let (client, _) = connect(opts).await?;
        let mut outcome = call_once(&client, opts).await?;
        outcome.secs = started.elapsed().as_secs_f64();
        check(&outcome, opts)?;
        if i == 0 && opts.show_result {
            eprintln!("{}", outcome.text);
        }
        shutdown(client).await;
        record(opts, i, &outcome);
        samples.push(outcome.secs);
        last = Some(outcome);
    }
    let last = last.context("no samples")?;
    save_result(opts, &last)?;
    emit(summary(opts, &samples, &last, json!({})));
    Ok(())
}

/// Reads `VmRSS` and `VmHWM` (in KiB) from `/proc/<pid>/status`.
fn read_rss(pid: u32) -> Result<(u64, u64)> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("{name} not found in {path}"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

fn rss_line(opts: &Opts, phase: &str, pid: u32) -> Result<()> {
    let (rss_kib, hwm_kib) = read_rss(pid)?;
    emit(json!({
        "kind": "rss",
        "label": opts.label,
        "phase": phase,
        "pid": pid,
        "rss_kib": rss_kib,
        "rss_mib": rss_kib as f64 / 1024.0,
        "hwm_kib": hwm_kib,
        "hwm_mib": hwm_kib as f64 / 1024.0,
    }));
    Ok(())
}

async fn run_rss(opts: &Opts) -> Result<()> {
    let (client, pid) = connect(opts).await?;
    tokio::time::sleep(opts.settle).await;
    rss_line(opts, "idle", pid)?;
    if opts.tool.is_some() {
        for _ in 0..opts.repeat {
            let outcome = call_once(&client, opts).await?;
            check(&outcome, opts)?;
        }
        tokio::time::sleep(opts.settle).await;
        rss_line(opts, "after_calls", pid)?;
    }
    shutdown(client).await;
    Ok(())
}

/// Text of about `size` bytes: 64-byte lines, with `MARK-0` on the middle line.
fn bench_text(size: usize, fill: char) -> String {
    let lines = (size / 64).max(1);
    let mut text = String::with_capacity(lines * 64);
    for i in 0..lines {
        if i == lines / 2 {
            text.push_str(&format!("{:<62}\n", "MARK-0"));
        } else {
            text.push_str(&format!("{:<56}{i:06}\n", fill.to_string().repeat(50)));
        }
    }
    text
}

/// Times `opts.repeat` calls (after `--warmup`) made by `args_for(i)`.
async fn run_generated(opts: &Opts, args_for: impl Fn(usize) -> JsonObject) -> Result<Vec<f64>> {
    let (client, _pid) = connect(opts).await?;
    let warmup = opts.warmup.unwrap_or(1);
    let mut samples = Vec::with_capacity(opts.repeat);
    let mut last = None;
    for i in 0..warmup + opts.repeat {
        let call_opts = Opts {
            args: args_for(i),
            ..opts.clone_for_call()
        };
        let outcome = call_once(&client, &call_opts).await?;
        check(&outcome, opts)?;
        if i >= warmup {
            record(opts, i - warmup, &outcome);
            samples.push(outcome.secs);
            last = Some(outcome);
        }
    }
    shutdown(client).await;
    let last = last.context("no samples")?;
    save_result(opts, &last)?;
    Ok(samples)
}

impl Opts {
    /// The options one generated call needs (its arguments are set by the caller).
    fn clone_for_call(&self) -> Opts {
        Opts {
            mode: self.mode,
            tool: self.tool.clone(),
            args: JsonObject::new(),
            repeat: self.repeat,
            warmup: self.warmup,
            label: self.label.clone(),
            settle: self.settle,
            expect: None,
            allow_error: self.allow_error,
            server_stderr: None,
            show_result: false,
            save_result: None,
            command: Vec::new(),
            file: None,
            size: self.size,
        }
    }
}

fn file_arg(opts: &Opts) -> Result<String> {
    Ok(opts.file.as_ref().context("--file")?.display().to_string())
}

/// `edit` mode: edit_file on a `--size`-byte file, one line changed per call.
async fn run_edit(opts: &Opts) -> Result<()> {
    let path = file_arg(opts)?;
    std::fs::write(&path, bench_text(opts.size, 'x')).with_context(|| format!("writing {path}"))?;
    let samples = run_generated(opts, |i| {
        let edit = json!({"old_text": format!("MARK-{i}"), "new_text": format!("MARK-{}", i + 1)});
        json!({"path": path, "edits": [edit]})
            .as_object()
            .cloned()
            .unwrap_or_default()
    })
    .await?;
    emit(json!({
        "kind": "summary", "mode": "edit", "label": opts.label, "tool": "edit_file",
        "file_bytes": opts.size, "repeat": samples.len(), "median_s": median(&samples),
        "min_s": samples.iter().copied().fold(f64::INFINITY, f64::min),
        "max_s": samples.iter().copied().fold(0.0, f64::max),
    }));
    Ok(())
}

/// `write` mode: write_file of `--size` bytes, alternating two contents.
async fn run_write(opts: &Opts) -> Result<()> {
    let path = file_arg(opts)?;
    let contents = [bench_text(opts.size, 'a'), bench_text(opts.size, 'b')];
    let bytes = contents[0].len();
    let samples = run_generated(opts, |i| {
        json!({"path": path, "content": contents[i % 2]})
            .as_object()
            .cloned()
            .unwrap_or_default()
    })
    .await?;
    let med = median(&samples);
    emit(json!({
        "kind": "summary", "mode": "write", "label": opts.label, "tool": "write_file",
        "content_bytes": bytes, "repeat": samples.len(), "median_s": med,
        "min_s": samples.iter().copied().fold(f64::INFINITY, f64::min),
        "max_s": samples.iter().copied().fold(0.0, f64::max),
        "mb_per_s": bytes as f64 / 1e6 / med,
    }));
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1).collect()) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("mcp-bench: {e:#}");
            return ExitCode::from(64);
        }
    };
    let result = match opts.mode {
        Mode::Call => run_call(&opts).await,
        Mode::Cold => run_cold(&opts).await,
        Mode::Rss => run_rss(&opts).await,
        Mode::Edit => run_edit(&opts).await,
        Mode::Write => run_write(&opts).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcp-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}
