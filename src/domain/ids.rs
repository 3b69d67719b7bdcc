//! The ids of the stored things, one type each, so that a budget's id handed where a cycle's
//! is expected does not compile. On the wire and in the database they are the same plain
//! strings as before (`db::ids` teaches diesel to store them); API views keep plain strings
//! (or say `#[schema(value_type = String)]`), so the OpenAPI document is unchanged. A fresh
//! id of one of these types is made only by its `new()`.

/// Defines a string id type. One id type does not stand in for another:
///
/// ```compile_fail
/// fn wants_a_cycle(_: &kurultai::domain::CycleId) {}
/// wants_a_cycle(&kurultai::domain::BudgetId::new());
/// ```
///
/// ```
/// fn wants_a_cycle(_: &kurultai::domain::CycleId) {}
/// wants_a_cycle(&kurultai::domain::CycleId::new());
/// ```
macro_rules! string_id {
    ($( $(#[$meta:meta])* $name:ident, )+) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, random id (a UUID v4 in its hyphenated form).
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        // Reads as the string it is, so code that only shows or hashes an id needs no
        // conversion; the types still differ, which is what stops a mix-up.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        // The API's paths parse ids as UUIDs; their text is the stored id.
        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id.to_string())
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    )+};
}

string_id! {
    /// A municipality's id.
    MunicipalityId,
    /// A budgeting cycle's id.
    CycleId,
    /// A budget's id.
    BudgetId,
    /// A proposal's id.
    ProposalId,
    /// A district's id.
    DistrictId,
    /// An account's id (a resident's id is their account's).
    AccountId,
    /// A ballot's id (a receipt names the ballot it was issued for).
    BallotId,
    /// A login session's id (access tokens name it as `sid`; refresh tokens belong to one).
    SessionId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_plain_string_on_the_wire() {
        let id = CycleId::from("c-1".to_string());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"c-1\"");
        let back: CycleId = serde_json::from_str("\"c-1\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), "c-1");
        assert_eq!(id.as_str(), "c-1");
        assert_eq!(String::from(id), "c-1");
    }

    #[test]
    fn fresh_ids_are_distinct_uuids() {
        let (a, b) = (BudgetId::new(), BudgetId::new());
        assert_ne!(a, b);
        assert!(uuid::Uuid::parse_str(a.as_str()).is_ok());
    }
}
