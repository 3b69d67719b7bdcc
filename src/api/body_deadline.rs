//! A deadline on reading a request's body: a client that sends its headers and then dribbles
//! the body (or stops) would otherwise hold its connection, and a worker's slot, for ever.
//! Past the deadline the request gets 408 `request_timeout` and the connection is closed.
//! (Headers have their own bound, actix's `client_request_timeout`; see `startup::serve`.)

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep, Sleep};
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use bytes::Bytes;
use futures_util::Stream;

use crate::config::Settings;
use crate::error::ApiError;

/// Wraps the request's body in [`Deadline`]; answers 408 and closes the connection when the
/// deadline struck, whatever the handler made of the failed read.
///
/// The body's receiving end is kept alive until the answer has gone: actix closes a
/// connection whose body was not read to its end only while that end is alive, and otherwise
/// goes on reading (draining) a chunked body — which a slow client can dribble for ever.
pub async fn limit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let bound = req
        .app_data::<web::Data<Settings>>()
        .map_or(Settings::default().client_body_timeout_ms, |s| {
            s.client_body_timeout_ms
        });
    let struck = Arc::new(AtomicBool::new(false));
    let payload = Rc::new(RefCell::new(req.take_payload()));
    let body = Deadline {
        inner: payload.clone(),
        timer: Box::pin(sleep(Duration::from_millis(bound))),
        struck: struck.clone(),
        ended: false,
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
    req.set_payload(Payload::from(boxed));
    let result = next.call(req).await;
    if struck.load(Ordering::Relaxed) {
        hold(payload);
        return Err(TooSlow.into());
    }
    match result {
        Ok(response) => Ok(response.map_body(|_, body| Held {
            body: Box::pin(body),
            _payload: payload,
        })),
        Err(err) => {
            hold(payload);
            Err(err)
        }
    }
}

/// Keeps the body's receiving end alive a moment: an error is answered by actix right after
/// the middleware returns, with no response body of ours to keep it in.
fn hold(payload: Rc<RefCell<Payload>>) {
    actix_web::rt::spawn(async move {
        sleep(HOLD_FOR_AN_ERROR).await;
        drop(payload);
    });
}

/// How long the body's receiving end outlives a failed request (actix sends the error's answer
/// at once).
const HOLD_FOR_AN_ERROR: Duration = Duration::from_secs(1);

/// A response body that keeps the request's body alive until the response is over.
struct Held<B> {
    body: Pin<Box<B>>,
    _payload: Rc<RefCell<Payload>>,
}

impl<B: MessageBody> MessageBody for Held<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.body.as_mut().poll_next(cx)
    }
}

/// The answer to a body that did not arrive in time: 408, and the connection closed (what is
/// left of the body is never read).
#[derive(Debug)]
struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl ResponseError for TooSlow {
    fn status_code(&self) -> StatusCode {
        StatusCode::REQUEST_TIMEOUT
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "The request body did not arrive in time.",
        )
        .error_response();
        response
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        response
    }
}

/// A body stream that fails once its timer runs out before the body ended.
struct Deadline {
    inner: Rc<RefCell<Payload>>,
    timer: Pin<Box<Sleep>>,
    struck: Arc<AtomicBool>,
    ended: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut *self.inner.borrow_mut()).poll_next(cx);
        match polled {
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(item) => Poll::Ready(item),
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => {
                    self.ended = true;
                    self.struck.store(true, Ordering::Relaxed);
                    let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "body too slow");
                    Poll::Ready(Some(Err(PayloadError::Io(late))))
                }
            },
        }
    }
}
