//! The stored statuses of accounts, residents and proposals: one home each. Rows in `db/`
//! decode them from their text columns, so the rest of the code matches on variants and
//! never compares a status string. (A cycle's status lives with its lifecycle in `cycle`.)

use super::string_enum::string_enum;

string_enum! {
    /// Whether an account may log in.
    pub enum AccountStatus ("account status") {
        /// May log in.
        Active => "active",
        /// Switched off by an admin; may not log in.
        Disabled => "disabled",
        /// A resident's deleted account: scrubbed of everything personal, kept so that
        /// foreign keys hold. Never shown by the API.
        Deleted => "deleted",
        /// Invited by an admin: may not log in until the invitee sets a password through the
        /// invitation link (then `active`).
        Invited => "invited",
    }
}

string_enum! {
    /// Where a resident's registration stands.
    pub enum ResidentStatus ("resident status", "Where a resident's registration stands.") {
        /// Waiting for an official (or the voter roll).
        Pending => "pending",
        /// May vote.
        Verified => "verified",
        /// Turned down by an official.
        Rejected => "rejected",
    }
}

string_enum! {
    /// Where a proposal stands.
    pub enum ProposalStatus ("proposal status", "Where a proposal stands.") {
        /// Waiting for review.
        Submitted => "submitted",
        /// Accepted by an official: goes on the ballot when voting opens.
        Approved => "approved",
        /// Turned down by an official.
        Rejected => "rejected",
        /// Taken back by its author.
        Withdrawn => "withdrawn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_what_they_write() {
        for s in AccountStatus::ALL {
            assert_eq!(AccountStatus::try_from(String::from(*s)), Ok(*s));
        }
        for s in ResidentStatus::ALL {
            assert_eq!(s.as_str().parse::<ResidentStatus>(), Ok(*s));
        }
        for s in ProposalStatus::ALL {
            assert_eq!(s.as_str().parse::<ProposalStatus>(), Ok(*s));
        }
    }

    #[test]
    fn an_unknown_stored_status_is_an_error_not_a_default() {
        let err = ResidentStatus::try_from("verfied".to_string()).unwrap_err();
        assert_eq!(err.kind, "resident status");
    }
}
