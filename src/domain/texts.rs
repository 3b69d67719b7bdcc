//! A stored map of language tag → text (the names of cycles, budgets and districts), as a
//! row holds it once `db/` has decoded its JSON column. Unlike [`super::Translations`] it
//! does not re-check the tags: they were checked when the texts were written.

use std::collections::BTreeMap;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

use super::Translations;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Texts(pub BTreeMap<String, String>);

impl Deref for Texts {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl From<&Translations> for Texts {
    fn from(texts: &Translations) -> Self {
        let pairs = texts
            .iter()
            .map(|(tag, text)| (tag.as_str().to_string(), text.to_string()));
        Texts(pairs.collect())
    }
}

/// The JSON column, decoded (`#[diesel(deserialize_as = String)]` on a row).
impl TryFrom<String> for Texts {
    type Error = serde_json::Error;

    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json)
    }
}

/// The JSON column, encoded (`#[diesel(serialize_as = String)]`): keys in order, as ever.
impl From<Texts> for String {
    fn from(texts: Texts) -> String {
        serde_json::to_string(&texts.0).expect("a map of strings serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_back_what_they_write() {
        let stored = r#"{"en":"Park","tr":"Park \"Yeni\""}"#.to_string();
        let texts = Texts::try_from(stored.clone()).unwrap();
        assert_eq!(texts.get("en").map(String::as_str), Some("Park"));
        assert_eq!(String::from(texts), stored);
        assert!(Texts::try_from("[1]".to_string()).is_err());
    }
}
