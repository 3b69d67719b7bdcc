//! A ballot's selections: what a voter sends, and what a ballot row holds once `db/` has
//! decoded its JSON column. How the tally engine reads them is `service::selections`.

use std::ops::Deref;

use serde::{Deserialize, Serialize};

use super::ids::ProposalId;

/// One choice on a ballot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    #[schema(value_type = String)]
    pub proposal_id: ProposalId,
    /// Cumulative ballots: the points given (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// Ranked ballots: 1 for the first choice, 2 for the second, … (or leave every rank out
    /// and list the selections in order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
}

/// A stored ballot's selections, as checked when it was cast (ranked ones in rank order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Selections(pub Vec<Selection>);

impl Deref for Selections {
    type Target = Vec<Selection>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The JSON column, decoded (`#[diesel(deserialize_as = String)]` on a row).
impl TryFrom<String> for Selections {
    type Error = serde_json::Error;

    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json)
    }
}

/// The JSON column, encoded: a list of objects, absent points and ranks left out, as ever.
impl From<Selections> for String {
    fn from(selections: Selections) -> String {
        serde_json::to_string(&selections.0).expect("selections serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_read_back_what_they_write() {
        let stored =
            r#"[{"proposal_id":"b","points":3},{"proposal_id":"a","rank":1},{"proposal_id":"c"}]"#;
        let selections = Selections::try_from(stored.to_string()).unwrap();
        assert_eq!(selections[0].points, Some(3));
        assert_eq!(selections[1].rank, Some(1));
        assert_eq!(String::from(selections), stored);
        assert_eq!(String::from(Selections::default()), "[]");
        assert!(Selections::try_from(r#"[{"proposal_id":"a","x":1}]"#.to_string()).is_err());
    }
}
