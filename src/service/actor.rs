//! Who is acting: the account behind a request as a plain value, handed to the rules by the
//! edge (`auth::extract` reads it from a bearer token), and the check that its session is
//! still live, which every caller's request passes before any rule runs.

use chrono::Utc;

use crate::db::budgets::{self, BallotRead};
use crate::db::{sessions as session_rows, Db, DbConn};
use crate::domain::ids::{AccountId, BudgetId, MunicipalityId, SessionId};
use crate::domain::Role;
use crate::service::{Error, Result};

/// The authenticated account behind a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: AccountId,
    pub role: Role,
    pub municipality_id: Option<MunicipalityId>,
    pub session_id: SessionId,
}

impl Actor {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }
}

/// `session_revoked` unless the actor's session is live.
pub fn check_session(conn: &mut DbConn, actor: &Actor) -> Result<()> {
    let now = Utc::now().naive_utc();
    if session_rows::is_live_and_active(conn, &actor.session_id, &actor.account_id, now)? {
        Ok(())
    } else {
        Err(session_revoked())
    }
}

fn session_revoked() -> Error {
    Error::unauthorized("session_revoked", "This session has ended; log in again.")
}

/// The actor, once its session is found live on a connection of its own (an extractor's check,
/// before the handler runs).
pub async fn confirm(db: &Db, actor: Actor) -> Result<Actor> {
    db.read(move |conn| check_session(conn, &actor).map(|()| actor.clone()))
        .await
}

/// An actor named by a valid access token whose session is still to be checked, for a rule
/// that checks it on the connection of its own transaction (casting a ballot: one checkout
/// and one blocking hand-off instead of two). [`Self::check`] is the only way to the
/// [`Actor`], so the check cannot be left out.
#[derive(Debug, Clone)]
pub struct UncheckedActor(Actor);

impl UncheckedActor {
    /// The actor of a token whose signature and claims were verified.
    pub fn new(actor: Actor) -> Self {
        Self(actor)
    }

    /// The actor, if the session is live (`session_revoked` otherwise).
    pub fn check(&self, conn: &mut DbConn) -> Result<Actor> {
        check_session(conn, &self.0)?;
        Ok(self.0.clone())
    }

    /// Like [`Self::check`], with the budget (its cycle under the ballot lock) and the actor's
    /// resident registration read by the same query ([`budgets::find_for_ballot_locked`]): the
    /// ballot's path, where every round trip counts. A dead session answers
    /// `session_revoked` whether or not the budget exists, as from [`Self::check`].
    pub fn check_with_budget(
        &self,
        conn: &mut DbConn,
        budget_id: &BudgetId,
    ) -> Result<(Actor, BallotRead)> {
        let actor = &self.0;
        let now = Utc::now().naive_utc();
        let found = budgets::find_for_ballot_locked(
            conn,
            budget_id,
            &actor.session_id,
            &actor.account_id,
            now,
        )?;
        match found {
            Some(read) if read.session_live => Ok((actor.clone(), read)),
            Some(_) => Err(session_revoked()),
            None => {
                check_session(conn, actor)?;
                Err(Error::NotFound)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            account_id: "a1".into(),
            role,
            municipality_id: Some("m1".into()),
            session_id: "s1".into(),
        }
    }

    #[test]
    fn an_actor_is_exactly_its_own_role() {
        let roles = [
            Role::PlatformAdmin,
            Role::MunicipalityAdmin,
            Role::Official,
            Role::Auditor,
            Role::Resident,
        ];
        for mine in roles {
            for asked in roles {
                assert_eq!(actor(mine).is(asked), mine == asked, "{mine} is {asked}?");
            }
        }
    }

    #[test]
    fn a_revoked_session_is_told_apart_from_a_bad_token() {
        assert_eq!(session_revoked().code(), "session_revoked");
        assert_ne!(
            session_revoked().code(),
            Error::invalid_credentials().code()
        );
    }
}
