//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! stdout carries only protocol messages; logs go to stderr (see `crate::logging`).
//! rmcp is served through [`LineTransport`], our own transport in front of it: every
//! line goes through [`jsonrpc::check_message`], and one that it refuses is answered on
//! stdout with the JSON-RPC error (written in turn with rmcp's own messages, never
//! interleaved), logged as a warning without its content, and reading goes on. Blank
//! lines are skipped. One incoming message may be at most `max_message_bytes` long: a
//! longer line is answered with [`jsonrpc::too_large`] and skipped up to its newline
//! without being buffered.

use std::io;
use std::sync::Arc;

use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::{RoleServer, ServerHandler, ServiceExt};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

use super::jsonrpc::{self, Rejection};

/// Serves one client on stdin/stdout until it closes stdin or a signal arrives.
pub async fn serve<H: ServerHandler>(handler: H, max_message_bytes: usize) -> anyhow::Result<()> {
    tracing::info!("serving MCP on stdio");
    let (read, write) = rmcp::transport::stdio_pipes();
    let transport = LineTransport::new(read, write, max_message_bytes);
    let service = handler
        .serve(transport)
        .await
        .map_err(|e| anyhow::anyhow!("MCP session failed to start: {e}"))?;
    let stop = service.cancellation_token();
    tokio::select! {
        quit = service.waiting() => {
            tracing::info!(reason = ?quit.ok(), "stdio session ended");
        }
        _ = super::shutdown::signal() => {
            stop.cancel();
        }
    }
    Ok(())
}

/// How much of the input is read at once. A line that arrives whole within one read is
/// checked where it lies, without a copy.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// A line buffer or output queue that grew past this gives its memory back once it is
/// empty again.
const KEEP_BUFFER_BYTES: usize = 1024 * 1024;

/// rmcp's server transport over newline-delimited JSON-RPC: reads lines from `R`,
/// checks each with [`jsonrpc::check_message`], answers the refused ones itself, and
/// writes rmcp's messages and those answers to `W`, one whole line at a time.
pub(crate) struct LineTransport<R, W> {
    read: BufReader<R>,
    /// The start of a line that did not arrive within one read.
    partial: Vec<u8>,
    max_message_bytes: usize,
    /// Skipping the rest of a line over the cap, up to its newline. Held here rather
    /// than in a local because rmcp polls `receive` in a `select!` and may drop it
    /// mid-line; the same goes for `partial` and the reply state below.
    discarding: bool,
    /// A refusal not yet queued on the output.
    reply: Option<String>,
    /// A refusal queued on the output that may not be flushed yet.
    reply_unflushed: bool,
    out: Arc<Mutex<Output<W>>>,
}

/// The output, shared by rmcp's sends and our refusals.
struct Output<W> {
    /// `None` once closed or broken.
    write: Option<W>,
    /// Whole lines not yet written; the first `written` bytes of them are out.
    queued: Vec<u8>,
    written: usize,
}

impl<W: AsyncWrite + Unpin> Output<W> {
    /// Writes out everything queued and flushes. Cancel-safe: a cancelled call leaves
    /// its progress in `written`, and the next call, from any sender, goes on from
    /// there, so a line is never cut or repeated. A write error drops the output.
    async fn drain(&mut self) -> io::Result<()> {
        let Some(write) = self.write.as_mut() else {
            return Err(closed());
        };
        let result = async {
            while self.written < self.queued.len() {
                let n = write.write(&self.queued[self.written..]).await?;
                if n == 0 {
                    return Err(io::Error::from(io::ErrorKind::WriteZero));
                }
                self.written += n;
            }
            write.flush().await
        }
        .await;
        if result.is_err() {
            self.write = None;
        }
        if result.is_err() || self.written == self.queued.len() {
            self.written = 0;
            forget(&mut self.queued);
        }
        result
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the output is closed")
}

/// The outcome of reading one line.
#[expect(
    clippy::large_enum_variant,
    reason = "one per line, handed straight to rmcp; a box would cost an allocation per message"
)]
enum Line {
    Message(ClientJsonRpcMessage),
    Refused(Rejection),
    Eof,
    Failed(io::Error),
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub(crate) fn new(read: R, write: W, max_message_bytes: usize) -> Self {
        Self {
            read: BufReader::with_capacity(READ_BUFFER_BYTES, read),
            partial: Vec::new(),
            max_message_bytes,
            discarding: false,
            reply: None,
            reply_unflushed: false,
            out: Arc::new(Mutex::new(Output {
                write: Some(write),
                queued: Vec::new(),
                written: 0,
            })),
        }
    }

    /// Reads up to the next line that is not blank, and checks it.
    async fn next_line(&mut self) -> Line {
        loop {
            let available = match self.read.fill_buf().await {
                Ok(available) => available,
                Err(e) => return Line::Failed(e),
            };
            if available.is_empty() {
                // Bytes left in `partial` are a last line without its newline: like
                // rmcp, drop them (the client has gone).
                return Line::Eof;
            }
            // Nothing below awaits until `consume`, so a cancelled read loses nothing.
            let newline = available.iter().position(|&b| b == b'\n');
            let (consumed, outcome) = match newline {
                None if self.discarding => (available.len(), None),
                Some(end) if self.discarding => {
                    self.discarding = false;
                    (end + 1, None)
                }
                None => {
                    if self.partial.len() + available.len() > self.max_message_bytes {
                        self.discarding = true;
                        forget(&mut self.partial);
                        (
                            available.len(),
                            Some(Line::Refused(jsonrpc::too_large(self.max_message_bytes))),
                        )
                    } else {
                        self.partial.extend_from_slice(available);
                        (available.len(), None)
                    }
                }
                Some(end) => {
                    let outcome = if self.partial.len() + end > self.max_message_bytes {
                        forget(&mut self.partial);
                        Some(Line::Refused(jsonrpc::too_large(self.max_message_bytes)))
                    } else if self.partial.is_empty() {
                        check_line(&available[..end])
                    } else {
                        self.partial.extend_from_slice(&available[..end]);
                        let outcome = check_line(&self.partial);
                        forget(&mut self.partial);
                        outcome
                    };
                    (end + 1, outcome)
                }
            };
            self.read.consume(consumed);
            if let Some(line) = outcome {
                return line;
            }
        }
    }

    /// Queues the pending refusal, if any, and writes out what is queued.
    async fn write_reply(&mut self) -> io::Result<()> {
        let mut out = self.out.lock().await;
        if let Some(reply) = self.reply.take() {
            if out.write.is_none() {
                return Err(closed());
            }
            out.queued.extend_from_slice(reply.as_bytes());
            out.queued.push(b'\n');
            self.reply_unflushed = true;
        }
        out.drain().await?;
        self.reply_unflushed = false;
        Ok(())
    }
}

/// Empties a buffer, giving back its memory if it grew large.
fn forget(buffer: &mut Vec<u8>) {
    if buffer.capacity() > KEEP_BUFFER_BYTES {
        *buffer = Vec::new();
    } else {
        buffer.clear();
    }
}

/// Checks one line (without its `\n`); `None` for a blank one.
fn check_line(line: &[u8]) -> Option<Line> {
    if line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
        return None;
    }
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(match jsonrpc::check_message(line) {
        Ok(message) => Line::Message(message),
        Err(rejection) => Line::Refused(rejection),
    })
}

/// What a refusal was, for the log (which never carries the message itself).
fn refusal_kind(code: i32) -> &'static str {
    match code {
        -32700 => "a message that is not JSON (parse error)",
        -32600 => "an invalid JSON-RPC message (invalid request)",
        -32602 => "a request whose params do not fit its method (invalid params)",
        _ => "a message",
    }
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let out = Arc::clone(&self.out);
        async move {
            let mut out = out.lock().await;
            if out.write.is_none() {
                return Err(closed());
            }
            // Serialized straight into the queue: no copy of the message.
            let start = out.queued.len();
            if let Err(e) = serde_json::to_writer(&mut out.queued, &item) {
                out.queued.truncate(start);
                return Err(e.into());
            }
            out.queued.push(b'\n');
            out.drain().await
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            if (self.reply.is_some() || self.reply_unflushed)
                && let Err(e) = self.write_reply().await
            {
                tracing::error!(error = %e, "writing to stdout failed");
                return None;
            }
            match self.next_line().await {
                Line::Message(message) => return Some(message),
                Line::Refused(rejection) => {
                    tracing::warn!(
                        code = rejection.code,
                        "refused {}; answered with a JSON-RPC error",
                        refusal_kind(rejection.code)
                    );
                    self.reply = Some(rejection.to_json());
                }
                Line::Eof => return None,
                Line::Failed(e) => {
                    tracing::error!(error = %e, "reading stdin failed");
                    return None;
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut out = self.out.lock().await;
        if out.write.is_some() {
            // Best effort: what rmcp queued last still goes out.
            let _ = out.drain().await;
        }
        out.write = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rmcp::model::{ErrorData, JsonRpcMessage, RequestId, ServerResult};
    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

    use super::*;

    type Server = LineTransport<DuplexStream, DuplexStream>;

    /// A transport and the client's ends: what it writes in, and what it reads out.
    /// Everything the server writes to `client_out` until it closes.
    fn read_all(client_out: DuplexStream) -> tokio::task::JoinHandle<Vec<u8>> {
        tokio::spawn(async move {
            let mut bytes = Vec::new();
            BufReader::new(client_out)
                .read_to_end(&mut bytes)
                .await
                .unwrap();
            bytes
        })
    }

    fn pair(max: usize, capacity: usize) -> (Server, DuplexStream, DuplexStream) {
        let (client_in, server_in) = tokio::io::duplex(capacity);
        let (server_out, client_out) = tokio::io::duplex(capacity);
        (
            LineTransport::new(server_in, server_out, max),
            client_in,
            client_out,
        )
    }

    fn ping(id: i64) -> String {
        format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\"}}\n")
    }

    fn id_of(message: &ClientJsonRpcMessage) -> Value {
        serde_json::to_value(message).unwrap()["id"].clone()
    }

    /// Everything the transport wrote, once it is closed, as JSON lines.
    async fn output(mut server: Server, client_out: DuplexStream) -> Vec<Value> {
        server.close().await.unwrap();
        drop(server);
        let mut lines = BufReader::new(client_out).lines();
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            out.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
        }
        out
    }

    #[tokio::test]
    async fn refused_lines_are_answered_and_reading_goes_on() {
        let (mut server, mut client_in, client_out) = pair(1 << 20, 1 << 16);
        let input = format!(
            "not json\n\n   \r\n{{\"jsonrpc\":\"2.0\",\"id\":{{}},\"method\":\"ping\"}}\n\
             {{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{{\"name\":1}}}}\r\n{}",
            ping(4)
        );
        client_in.write_all(input.as_bytes()).await.unwrap();
        let message = server.receive().await.unwrap();
        assert_eq!(id_of(&message), json!(4));
        let out = output(server, client_out).await;
        let codes: Vec<(Value, Value)> = out
            .iter()
            .map(|v| (v["error"]["code"].clone(), v["id"].clone()))
            .collect();
        assert_eq!(
            codes,
            [
                (json!(-32700), Value::Null),
                (json!(-32600), Value::Null),
                (json!(-32602), json!(3)),
            ]
        );
        assert!(out.iter().all(|v| v["jsonrpc"] == "2.0"));
    }

    #[tokio::test]
    async fn a_line_over_the_cap_is_answered_and_skipped_across_many_reads() {
        // A small pipe hands the long line over in many reads.
        let (mut server, mut client_in, client_out) = pair(64, 16);
        let writer = tokio::spawn(async move {
            let long = format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":1,\"x\":\"{}\"}}\n",
                "y".repeat(5000)
            );
            client_in.write_all(long.as_bytes()).await.unwrap();
            client_in.write_all(ping(2).as_bytes()).await.unwrap();
            // At the cap exactly (without its newline) is still fine.
            let at_cap = format!("{:<64}\n", ping(3).trim_end());
            client_in.write_all(at_cap.as_bytes()).await.unwrap();
            let over = format!("{:<65}\n", ping(4).trim_end());
            client_in.write_all(over.as_bytes()).await.unwrap();
            client_in.write_all(ping(5).as_bytes()).await.unwrap();
            client_in
        });
        // Read the output as it comes, so the small pipe never stalls the replies.
        let reader = tokio::spawn(async move {
            let mut lines = BufReader::new(client_out).lines();
            let mut out = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                out.push(serde_json::from_str::<Value>(&line).unwrap());
            }
            out
        });
        for id in [2, 3, 5] {
            assert_eq!(id_of(&server.receive().await.unwrap()), json!(id));
        }
        drop(writer.await.unwrap());
        assert!(server.receive().await.is_none(), "EOF");
        server.close().await.unwrap();
        drop(server);
        let out = reader.await.unwrap();
        assert_eq!(out.len(), 2, "{out:?}");
        for reply in out {
            assert_eq!(reply["error"]["code"], -32600);
            assert_eq!(reply["id"], Value::Null);
            assert!(
                reply["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("64 bytes")
            );
        }
    }

    #[tokio::test]
    async fn a_receive_cancelled_mid_line_loses_nothing() {
        let (mut server, mut client_in, client_out) = pair(1 << 20, 1 << 16);
        let line = ping(7);
        let (head, tail) = line.split_at(10);
        client_in.write_all(head.as_bytes()).await.unwrap();
        {
            let mut receive = Box::pin(server.receive());
            assert!(futures::poll!(&mut receive).is_pending());
        }
        client_in.write_all(tail.as_bytes()).await.unwrap();
        assert_eq!(id_of(&server.receive().await.unwrap()), json!(7));
        assert!(output(server, client_out).await.is_empty());
    }

    #[tokio::test]
    async fn a_reply_survives_a_receive_cancelled_while_waiting_for_the_output() {
        let (mut server, mut client_in, client_out) = pair(1 << 20, 1 << 16);
        client_in
            .write_all(format!("[]\n{}", ping(8)).as_bytes())
            .await
            .unwrap();
        let out = Arc::clone(&server.out);
        let guard = out.lock().await;
        {
            let mut receive = Box::pin(server.receive());
            assert!(futures::poll!(&mut receive).is_pending());
        }
        drop(guard);
        assert_eq!(id_of(&server.receive().await.unwrap()), json!(8));
        let out = output(server, client_out).await;
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["error"]["code"], -32600);
    }

    #[tokio::test]
    async fn a_reply_survives_a_receive_cancelled_mid_write() {
        // One byte of room: the reply stalls after its first byte.
        let (client_in, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_out) = tokio::io::duplex(1);
        let mut server = LineTransport::new(server_in, server_out, 1 << 20);
        let mut client_in = client_in;
        client_in
            .write_all(format!("42\n{}", ping(10)).as_bytes())
            .await
            .unwrap();
        {
            let mut receive = Box::pin(server.receive());
            assert!(futures::poll!(&mut receive).is_pending());
        }
        assert!(server.reply_unflushed);
        let reader = read_all(client_out);
        assert_eq!(id_of(&server.receive().await.unwrap()), json!(10));
        server.close().await.unwrap();
        drop(server);
        let bytes = reader.await.unwrap();
        let reply: Value = serde_json::from_slice(&bytes).expect("one whole reply");
        assert_eq!(reply["error"]["code"], -32600);
        assert_eq!(reply["id"], Value::Null);
    }

    #[tokio::test]
    async fn sends_and_replies_never_interleave() {
        let (mut server, mut client_in, client_out) = pair(1 << 20, 512);
        let reader = read_all(client_out);
        let big = "z".repeat(200_000);
        let mut sends = Vec::new();
        for id in 0..4 {
            let message = JsonRpcMessage::error(
                ErrorData::internal_error(big.clone(), None),
                Some(RequestId::Number(id)),
            );
            sends.push(tokio::spawn(server.send(message)));
        }
        let mut input = String::new();
        for _ in 0..20 {
            input.push_str("{oops\n");
        }
        input.push_str(&ping(9));
        let feed = tokio::spawn(async move {
            client_in.write_all(input.as_bytes()).await.unwrap();
            client_in
        });
        assert_eq!(id_of(&server.receive().await.unwrap()), json!(9));
        let response = JsonRpcMessage::response(ServerResult::empty(()), RequestId::Number(9));
        server.send(response).await.unwrap();
        for send in sends {
            send.await.unwrap().unwrap();
        }
        server.close().await.unwrap();
        drop(server);
        drop(feed.await.unwrap());
        let bytes = reader.await.unwrap();
        let lines: Vec<Value> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("every line is one whole message"))
            .collect();
        assert_eq!(lines.len(), 4 + 20 + 1);
        let parse_errors = lines
            .iter()
            .filter(|v| v["error"]["code"] == -32700)
            .count();
        assert_eq!(parse_errors, 20);
    }

    #[tokio::test]
    async fn sends_after_close_fail() {
        let (mut server, _client_in, _client_out) = pair(1024, 1024);
        server.close().await.unwrap();
        let response = JsonRpcMessage::response(ServerResult::empty(()), RequestId::Number(1));
        assert!(server.send(response).await.is_err());
    }
}
