//! A small macro for the closed sets of snake_case strings the API uses (roles, policies,
//! ID schemes): one place that keeps the Rust name, the wire name, `FromStr`, `Display` and
//! serde in step.

use std::fmt;

/// A string that is not one of an enum's names. The value is echoed back because these enums
/// never carry secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariant {
    /// What was expected, e.g. `registration policy`.
    pub kind: &'static str,
    pub value: String,
    /// Every accepted name.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a valid {}; expected one of: {}",
            self.value,
            self.kind,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownVariant {}

impl super::Coded for UnknownVariant {
    fn code(&self) -> &'static str {
        "unknown_value"
    }
}

/// Defines a `Copy` enum whose variants map one-to-one onto snake_case wire names.
macro_rules! string_enum {
    // The schema's description: "A <kind>." unless the enum names its own.
    (@describe $kind:literal) => { concat!("A ", $kind, ".") };
    (@describe $kind:literal $description:literal) => { $description };
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($kind:literal $(, $description:literal)?) {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The snake_case name used in JSON and in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::UnknownVariant;

            /// Exact, case-sensitive match: these names are identifiers, not prose.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err($crate::domain::UnknownVariant {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: Self::NAMES,
                    }),
                }
            }
        }

        // Rows hold these enums while the column stays text: diesel reads the text and converts
        // it with `TryFrom` (`#[diesel(deserialize_as = String)]`), so an unknown value in the
        // database is a clear deserialization error, never a silently wrong status.
        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::domain::UnknownVariant;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        // Written by hand rather than derived: the derive cannot read the wire names through
        // this macro's `literal` fragments and would document the Rust names instead.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(string_enum!(@describe $kind $($description)?)))
                    .enum_values(Some(Self::NAMES.iter().copied()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use string_enum;
