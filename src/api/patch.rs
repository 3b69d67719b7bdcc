//! PATCH bodies need three states per nullable field: absent (keep), `null` (clear), a value.

use serde::{Deserialize, Deserializer};

/// `#[serde(default, deserialize_with = "double_option")]`: a present field becomes `Some`,
/// whether `null` or not; an absent one stays `None` through `default`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
