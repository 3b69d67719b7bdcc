//! Closed sets of strings that the services' own response shapes carry as `String`, with no
//! Rust enum yet. Like `api::closed_sets`, these types exist only for the OpenAPI document
//! (fields name them with `#[schema(value_type = ...)]`), but they live here so that
//! `service/` can name them without reaching up into `api/`. When a domain enum takes a set
//! over, point the field at it and delete the type here.

use utoipa::ToSchema;

/// What a receipt says of its ballot: `recorded` (voting still open: the ballot was
/// accepted), `counted` (after the close: this ballot is in the count), `replaced` (after the
/// close: a later ballot of the same voter counts instead), or `cycle_cancelled`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReceiptState {
    Recorded,
    Counted,
    Replaced,
    CycleCancelled,
}
