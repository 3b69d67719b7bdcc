//! What no endpoint gives the tests: valid national ids to register with, and the audit log
//! as stored (every municipality's, to count what was recorded).

use serde_json::Value;

use crate::helpers::TestApp;

/// A valid T.C. Kimlik No built from `seed` (nine digits, then the two check digits).
pub fn tckn(seed: u64) -> String {
    let mut d: Vec<u32> = format!("{:09}", 100_000_000 + seed % 800_000_000)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    d.push(((7 * odd) as i64 - even as i64).rem_euclid(10) as u32);
    d.push(d.iter().sum::<u32>() % 10);
    d.iter().map(|x| x.to_string()).collect()
}

/// How many audit entries of every municipality record `action`.
pub async fn audit_actions(app: &TestApp, action: &str) -> usize {
    let action = action.to_string();
    app.db
        .read(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq(&action))
                .count()
                .get_result::<i64>(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap() as usize
}

/// The details of every audit entry recording `action`, oldest first.
pub async fn audit_details(app: &TestApp, action: &str) -> Vec<Value> {
    let action = action.to_string();
    app.db
        .read(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq(&action))
                .order(audit_log::seq.asc())
                .select(audit_log::details)
                .load::<String>(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap()
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}
