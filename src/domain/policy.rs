//! The municipality's registration and revote policies.

use super::string_enum::string_enum;

string_enum! {
    /// Who becomes a verified resident after registering.
    pub enum RegistrationPolicy ("registration policy") {
        /// Verified at once.
        Open => "open",
        /// An official verifies or rejects each registration.
        Review => "review",
        /// Verified only when the ID's keyed hash and birth date are on the imported voter roll.
        Roll => "roll",
    }
}

string_enum! {
    /// Whether a voter may replace their ballot.
    pub enum RevotePolicy ("revote policy") {
        /// The first accepted ballot is final.
        Final => "final",
        /// A voter may replace their ballot until voting closes; the last one counts.
        UntilClose => "until_close",
    }
}

impl Default for RegistrationPolicy {
    /// `review`: a new municipality should not hand out votes to anyone with a well-formed ID
    /// until an admin has consciously chosen `open` or imported a roll.
    fn default() -> Self {
        RegistrationPolicy::Review
    }
}

impl Default for RevotePolicy {
    /// `until_close`, as the product brief describes: replacing a ballot is also what protects
    /// a voter who was watched or pressured while casting the first one.
    fn default() -> Self {
        RevotePolicy::UntilClose
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for p in RegistrationPolicy::ALL {
            assert_eq!(p.as_str().parse::<RegistrationPolicy>().unwrap(), *p);
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(
                serde_json::from_str::<RegistrationPolicy>(&json).unwrap(),
                *p
            );
        }
        for p in RevotePolicy::ALL {
            assert_eq!(p.to_string().parse::<RevotePolicy>().unwrap(), *p);
        }
        assert_eq!(RevotePolicy::UntilClose.as_str(), "until_close");
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        let err = "Open".parse::<RegistrationPolicy>().unwrap_err();
        assert_eq!(err.expected, &["open", "review", "roll"]);
        assert!(err.to_string().contains("open, review, roll"));
        assert!("untilclose".parse::<RevotePolicy>().is_err());
        assert!(serde_json::from_str::<RevotePolicy>("\"sometimes\"").is_err());
    }
}
