//! A budget cycle's lifecycle: which moves are allowed, and what "voting is open" means.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::string_enum::string_enum;

string_enum! {
    /// Where a cycle is in its life.
    pub enum CycleStatus ("cycle status") {
        /// Being prepared by officials; invisible to the public.
        Draft => "draft",
        /// Residents (and officials) submit proposals.
        Submission => "submission",
        /// Officials vet the proposals.
        Review => "review",
        /// Residents vote; ballot rules and the ballot are frozen.
        Voting => "voting",
        /// Voting has ended; the tally can be run.
        Closed => "closed",
        /// The results are public. Final.
        Published => "published",
        /// Abandoned before publication. Final.
        Cancelled => "cancelled",
    }
}

impl CycleStatus {
    /// The one forward move from this status, if any.
    pub fn next(self) -> Option<CycleStatus> {
        use CycleStatus::*;
        match self {
            Draft => Some(Submission),
            Submission => Some(Review),
            Review => Some(Voting),
            Voting => Some(Closed),
            Closed => Some(Published),
            Published | Cancelled => None,
        }
    }

    /// Forward one step, or `cancelled` from anything not yet published.
    pub fn can_move_to(self, to: CycleStatus) -> bool {
        match to {
            CycleStatus::Cancelled => {
                !matches!(self, CycleStatus::Published | CycleStatus::Cancelled)
            }
            _ => self.next() == Some(to),
        }
    }

    /// Whether budgets and proposals of the cycle may still change their ballot-relevant
    /// parts: everything is frozen from the moment voting opens.
    pub fn before_voting(self) -> bool {
        matches!(
            self,
            CycleStatus::Draft | CycleStatus::Submission | CycleStatus::Review
        )
    }

    /// Whether the public may see the cycle at all.
    pub fn is_public(self) -> bool {
        self != CycleStatus::Draft
    }
}

/// The status a reader should see: a cycle still marked `voting` whose scheduled close has
/// passed is closed, even before the background job has written that down. For display
/// only: a ballot that passed its check before the instant may still be committing, so
/// nothing that needs the ballot box final (a count, a receipt's answer) trusts it.
pub fn effective_status(
    stored: CycleStatus,
    voting_closes_at: Option<NaiveDateTime>,
    now: DateTime<Utc>,
) -> CycleStatus {
    match (stored, voting_closes_at) {
        (CycleStatus::Voting, Some(close)) if close <= now.naive_utc() => CycleStatus::Closed,
        _ => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::CycleStatus::*;
    use super::*;

    #[test]
    fn the_lifecycle_moves_one_step_forward_or_to_cancelled() {
        let path = [Draft, Submission, Review, Voting, Closed, Published];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{} → {}", pair[0], pair[1]);
            assert!(!pair[1].can_move_to(pair[0]), "{} ← {}", pair[0], pair[1]);
        }
        for from in CycleStatus::ALL {
            for to in CycleStatus::ALL {
                let allowed = from.can_move_to(*to);
                let expected = from.next() == Some(*to)
                    || (*to == Cancelled && !matches!(from, Published | Cancelled));
                assert_eq!(allowed, expected, "{from} → {to}");
            }
        }
        assert!(!Draft.can_move_to(Voting), "no skipping");
        assert!(!Published.can_move_to(Cancelled));
        assert!(Closed.can_move_to(Cancelled));
    }

    #[test]
    fn a_passed_scheduled_close_reads_as_closed() {
        let close = chrono::NaiveDate::from_ymd_opt(2027, 5, 31)
            .unwrap()
            .and_hms_opt(17, 0, 0)
            .unwrap();
        let before = close.and_utc() - chrono::Duration::seconds(1);
        let at = close.and_utc();
        assert_eq!(effective_status(Voting, Some(close), before), Voting);
        assert_eq!(effective_status(Voting, Some(close), at), Closed);
        assert_eq!(effective_status(Voting, None, at), Voting);
        assert_eq!(effective_status(Review, Some(close), at), Review);
    }
}
