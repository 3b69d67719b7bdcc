//! How a resident's registration was proven, and the sets of methods a municipality offers and
//! a budget accepts for voting (`docs/identity.md` says what each proves).

use serde::{Deserialize, Serialize};

use super::string_enum::string_enum;
use super::{FieldError, RegistrationPolicy, ValidationErrors};

string_enum! {
    /// A way a resident's registration was verified.
    pub enum VerificationMethod ("verification method") {
        /// Self-declared under the `open` registration policy: nobody checked.
        Open => "open",
        /// An official of the municipality checked the person.
        Review => "review",
        /// The ID's keyed hash and birth date are on the imported voter roll.
        Roll => "roll",
        /// Signed in with the state's identity provider.
        Provider => "provider",
        /// Entered the code sent to a verified e-mail address.
        EmailCode => "email_code",
        /// Entered the printed code an official handed over or posted.
        LetterCode => "letter_code",
    }
}

impl VerificationMethod {
    /// The method a registration under `policy` records when it verifies at once (`review`
    /// verifies nobody at registration).
    pub fn of_registration(policy: RegistrationPolicy) -> Option<Self> {
        match policy {
            RegistrationPolicy::Open => Some(Self::Open),
            RegistrationPolicy::Review => None,
            RegistrationPolicy::Roll => Some(Self::Roll),
        }
    }
}

/// What a municipality offers until its admin chooses: every method that verified residents
/// before methods could be chosen, so that whoever could vote still can, whatever the
/// registration policy was when they registered.
pub const DEFAULT_OFFERED: [VerificationMethod; 3] = [
    VerificationMethod::Open,
    VerificationMethod::Review,
    VerificationMethod::Roll,
];

/// A set of methods as a row holds it (a JSON array of names in the column), in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Methods(pub Vec<VerificationMethod>);

impl std::ops::Deref for Methods {
    type Target = [VerificationMethod];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The JSON column, decoded (`#[diesel(deserialize_as = String)]` on a row).
impl TryFrom<String> for Methods {
    type Error = serde_json::Error;

    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json)
    }
}

/// The JSON column, encoded (`#[diesel(serialize_as = String)]`).
impl From<Methods> for String {
    fn from(methods: Methods) -> String {
        serde_json::to_string(&methods.0).expect("names serialise")
    }
}

/// Parses a list of method names for `field`, each known and named once; every bad entry is
/// reported as `field[i]` (`unknown_value`, `duplicate_verification_method`).
pub fn parse_methods(
    field: &str,
    names: &[String],
    errors: &mut ValidationErrors,
) -> Option<Vec<VerificationMethod>> {
    let before = errors.len();
    let mut out: Vec<VerificationMethod> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        match name.parse::<VerificationMethod>() {
            Ok(method) if out.contains(&method) => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "duplicate_verification_method",
                format!("{method} is named twice"),
            )),
            Ok(method) => out.push(method),
            Err(e) => errors.push(FieldError::from_error(format!("{field}[{i}]"), &e)),
        }
    }
    (errors.len() == before).then_some(out)
}

/// A municipality's offered methods: known names, none twice, at least one
/// (`no_verification_methods`: a city where nobody can be verified could never vote).
pub fn offered_methods(
    names: &[String],
    errors: &mut ValidationErrors,
) -> Option<Vec<VerificationMethod>> {
    let field = "verification_methods";
    let methods = parse_methods(field, names, errors)?;
    if methods.is_empty() {
        errors.push(FieldError::new(
            field,
            "no_verification_methods",
            "offer at least one verification method",
        ));
        return None;
    }
    Some(methods)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(names: &[&str]) -> Result<Vec<VerificationMethod>, Vec<(String, &'static str)>> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut errors = ValidationErrors::new();
        parse_methods("m", &names, &mut errors).ok_or_else(|| {
            errors
                .errors()
                .iter()
                .map(|e| (e.field.clone(), e.code))
                .collect()
        })
    }

    #[test]
    fn methods_are_known_names_each_given_once() {
        assert_eq!(
            parse(&["roll", "letter_code"]),
            Ok(vec![
                VerificationMethod::Roll,
                VerificationMethod::LetterCode
            ])
        );
        assert_eq!(parse(&[]), Ok(vec![]));
        assert_eq!(
            parse(&["roll", "sms", "roll"]),
            Err(vec![
                ("m[1]".into(), "unknown_value"),
                ("m[2]".into(), "duplicate_verification_method")
            ])
        );
    }

    #[test]
    fn a_municipality_offers_at_least_one_method() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut errors = ValidationErrors::new();
        assert_eq!(
            offered_methods(&names(&["letter_code"]), &mut errors),
            Some(vec![VerificationMethod::LetterCode])
        );
        assert_eq!(offered_methods(&names(&[]), &mut errors), None);
        assert_eq!(
            offered_methods(&names(&["roll", "roll"]), &mut errors),
            None
        );
        let codes: Vec<_> = errors.errors().iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            ["no_verification_methods", "duplicate_verification_method"]
        );
    }

    #[test]
    fn a_set_is_stored_as_a_json_array_of_names() {
        let set = Methods(vec![
            VerificationMethod::EmailCode,
            VerificationMethod::Open,
        ]);
        let column = String::from(set.clone());
        assert_eq!(column, r#"["email_code","open"]"#);
        assert_eq!(Methods::try_from(column).unwrap(), set);
    }

    #[test]
    fn registration_records_the_policy_that_verified() {
        use RegistrationPolicy as P;
        assert_eq!(
            VerificationMethod::of_registration(P::Open),
            Some(VerificationMethod::Open)
        );
        assert_eq!(VerificationMethod::of_registration(P::Review), None);
        assert_eq!(
            VerificationMethod::of_registration(P::Roll),
            Some(VerificationMethod::Roll)
        );
    }
}
