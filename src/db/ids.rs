//! How the id types of `domain::ids` are stored: as the text they are, so rows hold
//! `CycleId`s (and `Option<DistrictId>`s) and queries compare columns with them directly.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};

use crate::domain::ids::{
    AccountId, BallotId, BudgetId, CycleId, DistrictId, MunicipalityId, ProposalId, SessionId,
};

macro_rules! stored_as_text {
    ($($name:ident => $proxy:ident,)+) => {$(
        // The derives write diesel's `AsExpression`/`Queryable` impls for the id type itself.
        #[derive(AsExpression, FromSqlRow)]
        #[diesel(foreign_derive, sql_type = Text)]
        #[allow(dead_code)]
        struct $proxy($name);

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map($name::from)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    )+};
}

stored_as_text! {
    MunicipalityId => MunicipalityIdProxy,
    CycleId => CycleIdProxy,
    BudgetId => BudgetIdProxy,
    ProposalId => ProposalIdProxy,
    DistrictId => DistrictIdProxy,
    AccountId => AccountIdProxy,
    BallotId => BallotIdProxy,
    SessionId => SessionIdProxy,
}
