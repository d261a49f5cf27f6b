//! Graceful shutdown that keeps its promise: which MCP requests are in flight, until
//! their responses have been fully sent, and what each gets if it outlives the grace
//! period.
//!
//! A request counts from the moment it is admitted until its response body ends,
//! so a `tools/call` answered over an SSE stream (as every 2025-11-25 session
//! request is) stays counted while the tool runs, not only until the stream opens.
//! When the grace period is over, every request still open is answered with a
//! JSON-RPC error naming its id: as a JSON response when nothing was sent yet, as a
//! last SSE event when its stream is open.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use http_body::Frame;
use serde_json::Value;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::reply::{SERVER_ERROR, error_body, error_response};

const STOPPED_MESSAGE: &str = "The server is shutting down and stopped this request before it finished (the shutdown grace period ran out). It may have been partly carried out: check its effect before retrying, then retry, on another replica if there is one.";

/// In-flight MCP requests and the two moments of a shutdown.
#[derive(Default)]
pub struct Drain {
    in_flight: AtomicUsize,
    /// Fired when the process is told to stop: no new requests are admitted.
    stopping: CancellationToken,
    /// Fired when the grace period ends: open requests are answered with an error.
    grace_over: CancellationToken,
}

impl Drain {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Marks one request in flight until the returned guard drops.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// Stops admitting requests, waits up to `grace` for those in flight, then answers
    /// the rest with errors and waits (briefly) for those answers to go out. Returns
    /// how many requests were still open when the grace period ended.
    pub async fn shut_down(&self, grace: Duration) -> usize {
        self.stopping.cancel();
        let deadline = tokio::time::Instant::now() + grace;
        while self.in_flight() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let left = self.in_flight();
        if left > 0 {
            tracing::warn!(
                in_flight = left,
                "grace period over with requests still running; answering them with errors"
            );
            self.grace_over.cancel();
            let flush_deadline = tokio::time::Instant::now() + Duration::from_secs(2);
            while self.in_flight() > 0 && tokio::time::Instant::now() < flush_deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        left
    }

    /// Runs `respond` for request `id` (`None` for notifications and DELETE), and
    /// answers with a JSON-RPC error instead if the grace period ends first; the
    /// response body stays counted in flight until it ends.
    pub async fn run(
        self: &Arc<Self>,
        id: Option<Value>,
        respond: impl Future<Output = Response>,
    ) -> Response {
        let in_flight = self.begin();
        let response = tokio::select! {
            response = respond => response,
            _ = self.grace_over.cancelled() => {
                return error_response(StatusCode::OK, id.unwrap_or(Value::Null), SERVER_ERROR, STOPPED_MESSAGE);
            }
        };
        let is_sse = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let grace_over = is_sse.then(|| Box::pin(self.grace_over.clone().cancelled_owned()));
        response.map(|inner| {
            Body::new(DrainBody {
                inner,
                last_words: id,
                grace_over,
                in_flight: Some(in_flight),
            })
        })
    }
}

/// One request in flight; the count drops with it.
pub struct InFlight(Arc<Drain>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request in flight until it ends; an SSE body also
/// ends, with an error event for its request, when the grace period runs out first.
/// (Other bodies are whole JSON documents, sent at once, and are never cut.)
struct DrainBody {
    inner: Body,
    /// The request id to answer with the SSE error event.
    last_words: Option<Value>,
    /// Set for SSE bodies only.
    grace_over: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    /// `None` once the body has ended.
    in_flight: Option<InFlight>,
}

impl http_body::Body for DrainBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.in_flight.is_none() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.in_flight = None;
                return Poll::Ready(None);
            }
            Poll::Ready(Some(frame)) => return Poll::Ready(Some(frame)),
            Poll::Pending => {}
        }
        let grace_over = match self.grace_over.as_mut() {
            Some(grace_over) => grace_over.as_mut().poll(cx).is_ready(),
            None => false,
        };
        if !grace_over {
            return Poll::Pending;
        }
        self.in_flight = None;
        match self.last_words.take() {
            Some(id) => {
                let event = format!(
                    "event: message\ndata: {}\n\n",
                    error_body(id, SERVER_ERROR, STOPPED_MESSAGE)
                );
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(event)))))
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.in_flight.is_none()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self.grace_over {
            // An SSE body may gain an event.
            Some(_) => http_body::SizeHint::default(),
            None => self.inner.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn sse_response(body: Body) -> Response {
        Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream")
            .body(body)
            .unwrap()
    }

    #[tokio::test]
    async fn a_request_counts_until_its_stream_ends() {
        let drain = Drain::new();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let body = Body::from_stream(tokio_stream_from(rx));
        let response = drain
            .run(Some(Value::from(3)), async { sse_response(body) })
            .await;
        assert_eq!(drain.in_flight(), 1, "the stream is open");
        tx.send(Ok(Bytes::from("data: {}\n\n"))).await.unwrap();
        drop(tx);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(bytes, "data: {}\n\n");
        assert_eq!(drain.in_flight(), 0);
    }

    #[tokio::test]
    async fn past_the_grace_an_open_stream_gets_an_error_event_for_its_id() {
        let drain = Drain::new();
        let (_tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let body = Body::from_stream(tokio_stream_from(rx));
        let response = drain
            .run(Some(Value::from("req-9")), async { sse_response(body) })
            .await;
        let collecting =
            tokio::spawn(async move { response.into_body().collect().await.unwrap().to_bytes() });
        assert_eq!(drain.shut_down(Duration::from_millis(50)).await, 1);
        let text = String::from_utf8(collecting.await.unwrap().to_vec()).unwrap();
        let data = text
            .strip_prefix("event: message\ndata: ")
            .unwrap()
            .trim_end();
        let value: Value = serde_json::from_str(data).unwrap();
        assert_eq!(value["id"], "req-9");
        assert_eq!(value["error"]["code"], SERVER_ERROR);
        assert_eq!(drain.in_flight(), 0);
    }

    #[tokio::test]
    async fn past_the_grace_an_unanswered_request_gets_a_json_error() {
        let drain = Drain::new();
        let running = {
            let drain = drain.clone();
            tokio::spawn(async move {
                drain
                    .run(Some(Value::from(5)), std::future::pending::<Response>())
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(drain.shut_down(Duration::from_millis(20)).await, 1);
        let response = running.await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["id"], 5);
        assert_eq!(value["error"]["code"], SERVER_ERROR);
    }

    fn tokio_stream_from(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}
