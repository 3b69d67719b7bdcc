//! The municipality named by the path's `{slug}`, loaded once per request: [`BySlug`] for
//! handlers, [`load`] for `Staff<R>` and for handlers that must check something first. Both
//! share one cache in the request's extensions, so a request that needs the municipality
//! twice reads it once.
//!
//! An unknown slug is 404 `not_found`, as it always was.

use std::future::Future;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use tokio::sync::OnceCell;

use crate::db::municipalities::Municipality;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::service::{self, directory};

/// The municipality of the path's `{slug}`; an unknown slug answers 404 before the handler runs.
pub struct BySlug(pub Municipality);

impl FromRequest for BySlug {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let municipality = load(req);
        Box::pin(async move { municipality.await.map(BySlug) })
    }
}

/// This request's answer: whoever asks first reads the database, the others wait for that
/// read. `None` is "no such municipality"; a database error is not kept, it is returned.
#[derive(Clone, Default)]
struct Loaded(Rc<OnceCell<Option<Municipality>>>);

/// The municipality of the path's `{slug}`, read at most once per request (lazily: nothing is
/// read until the future is awaited).
pub fn load(req: &HttpRequest) -> impl Future<Output = ApiResult<Municipality>> + 'static {
    let slug = req.match_info().get("slug").map(str::to_string);
    let db = req.app_data::<web::Data<Db>>().cloned();
    let loaded = {
        let mut extensions = req.extensions_mut();
        match extensions.get::<Loaded>() {
            Some(loaded) => loaded.clone(),
            None => {
                let loaded = Loaded::default();
                extensions.insert(loaded.clone());
                loaded
            }
        }
    };
    async move {
        let (Some(slug), Some(db)) = (slug, db) else {
            return Err(ApiError::internal(
                "the municipality of {slug} asked for on a path without {slug}",
            ));
        };
        let found = loaded
            .0
            .get_or_try_init(|| async move {
                match directory::municipality(&db, slug).await {
                    Ok(found) => Ok(Some(found)),
                    Err(service::Error::NotFound) => Ok(None),
                    Err(err) => Err(ApiError::from(err)),
                }
            })
            .await?;
        found.clone().ok_or_else(ApiError::not_found)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;
    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::municipalities as table;

    /// A database holding one municipality, `ankara`.
    async fn database(dir: &tempfile::TempDir) -> Db {
        let db = Db::connect(&dir.path().join("k.db").display().to_string(), 2).unwrap();
        db.migrate().unwrap();
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        let row = crate::db::municipalities::MunicipalityRow {
            id: "m-1".into(),
            slug: "ankara".into(),
            country: "TR".into(),
            names: r#"{"tr":"Ankara"}"#.into(),
            languages: r#"["tr"]"#.into(),
            default_language: "tr".into(),
            currency: "TRY".into(),
            time_zone: "Europe/Istanbul".into(),
            national_id_scheme: "tr_tckn".into(),
            check_digit_policy: "enforce".into(),
            min_voting_age: 16,
            registration_policy: "open".into(),
            revote_policy: "until_close".into(),
            budget_defaults: "{}".into(),
            created_at: at,
            updated_at: at,
            max_proposals_per_resident: 3,
            proposal_categories: "[]".into(),
            verification_methods: r#"["open"]"#.into(),
        };
        let insert = move |conn: &mut crate::db::DbConn| {
            diesel::insert_into(table::table).values(&row).execute(conn)
        };
        db.write(move |conn| insert(conn).map_err(ApiError::from))
            .await
            .unwrap();
        db
    }

    fn request(db: &Db, slug: &str) -> HttpRequest {
        TestRequest::default()
            .app_data(web::Data::new(db.clone()))
            .param("slug", slug.to_string())
            .to_http_request()
    }

    async fn forget_every_municipality(db: &Db) {
        db.write(|conn| {
            diesel::delete(table::table)
                .execute(conn)
                .map_err(ApiError::from)
        })
        .await
        .unwrap();
    }

    #[actix_web::test]
    async fn the_municipality_is_read_once_per_request() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir).await;
        let req = request(&db, "ankara");
        let (first, second) = futures_util::join!(load(&req), load(&req));
        assert_eq!(first.unwrap().id, "m-1");
        assert_eq!(second.unwrap().id, "m-1");
        // Gone from the database: this request still has it, from its one read …
        forget_every_municipality(&db).await;
        assert_eq!(load(&req).await.unwrap().slug, "ankara");
        let BySlug(row) = BySlug::extract(&req).await.unwrap();
        assert_eq!(row.id, "m-1");
        // … and the next request reads again.
        let err = load(&request(&db, "ankara")).await.unwrap_err();
        assert_eq!(err.code(), "not_found");
    }

    #[actix_web::test]
    async fn an_unknown_slug_is_not_found_and_nothing_is_read_before_it_is_awaited() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir).await;
        let req = request(&db, "nowhere");
        let err = BySlug::extract(&req).await.err().unwrap();
        assert_eq!(err.code(), "not_found");
        assert_eq!(load(&req).await.unwrap_err().code(), "not_found");
        let lazy = request(&db, "ankara");
        let pending = load(&lazy);
        forget_every_municipality(&db).await;
        assert_eq!(pending.await.unwrap_err().code(), "not_found");
    }
}
