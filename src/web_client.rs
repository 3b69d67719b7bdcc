//! The web client: plain HTML, CSS and ES modules from `web/`, embedded in the binary at
//! compile time, served at `/` (the page) and `/assets/…` (everything it loads).
//!
//! There is no front-end build step: what is in `web/` is what the browser gets, so the
//! assets are reproducible from the repository by construction. The client talks to the
//! public API under `/api/v1` only.
//!
//! Every answer carries a strict Content-Security-Policy (scripts, styles and requests from
//! this origin only, no inline script), an `ETag` for cheap revalidation, and is compressed
//! (gzip, brotli or zstd, as the browser asks).

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use rust_embed::RustEmbed;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// The policy of every page and asset. `img-src data:` for the empty favicon (`data:,`),
/// which spares every page a 404; the results chart is SVG built as DOM nodes.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Mounts the client on the public listener: `/` and `/assets/{path}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .wrap(Compress::default())
            .route(web::get().to(index))
            .route(web::head().to(index)),
    )
    .service(
        web::resource("/assets/{path:.+}")
            .wrap(Compress::default())
            .route(web::get().to(asset))
            .route(web::head().to(asset)),
    );
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    // Only files under `assets/` are reachable this way; `index.html` has its own route.
    serve(&req, &format!("assets/{path}"))
}

/// The file at `path` in `web/`, or the API's 404 problem.
fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = Assets::get(path) else {
        return ApiError::not_found().error_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let unchanged = if_none_match(req, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        // Names carry no version, so the browser asks again each time; the ETag makes the
        // answer a 304 without a body when nothing changed.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if unchanged {
        return response.finish();
    }
    response
        .content_type(content_type(path))
        .body(file.data.into_owned())
}

fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag))
}

fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    match mime.type_() {
        mime_guess::mime::TEXT | mime_guess::mime::APPLICATION
            if mime.subtype() != mime_guess::mime::OCTET_STREAM =>
        {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    }
}
