//! `GET /countries`: the countries Kurultai serves and the defaults a new municipality there
//! gets (`domain::country`), so the web client's pickers start from them instead of keeping
//! a copy.

use actix_web::{get, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Country;
use crate::error::ApiResult;

/// A served country and its defaults.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountryView {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    pub currency: String,
    /// An IANA zone name.
    pub time_zone: String,
    /// The enabled languages, the default first.
    pub languages: Vec<String>,
    pub default_language: String,
    #[schema(value_type = crate::domain::NationalIdScheme)]
    pub national_id_scheme: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountryList {
    pub items: Vec<CountryView>,
}

/// The countries with built-in defaults (currency, time zone, languages, ID scheme).
#[utoipa::path(get, path = "/api/v1/countries", tag = "municipalities",
    operation_id = "listCountries",
    security(()),
    responses(
        (status = 200, description = "The served countries and their defaults", body = CountryList),
    ))]
#[get("/countries")]
pub async fn list() -> ApiResult<HttpResponse> {
    let items = Country::SERVED
        .into_iter()
        .filter_map(|country| {
            let d = country.defaults()?;
            Some(CountryView {
                code: country.code().to_string(),
                currency: d.currency.code().to_string(),
                time_zone: d.time_zone.name().to_string(),
                languages: d.languages.iter().map(|l| l.as_str().to_string()).collect(),
                default_language: d.default_language.as_str().to_string(),
                national_id_scheme: d.national_id_scheme.as_str().to_string(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(CountryList { items }))
}
