//! Where a secret could leak to: every value of every table, and everything the app logged.
//! `all_stored_text` lists tables and columns from the database itself, never from a hand-kept
//! list; `capture_logs` installs (once per test binary) a subscriber that keeps every log line
//! of every test's app, at debug level, for `logged` to search.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use kurultai::db::DbConn;

use crate::helpers::TestApp;

/// Every value of every column of every table, as text, with its table and column.
pub async fn all_stored_text(app: &TestApp) -> Vec<(String, String, String)> {
    app.db
        .read(|conn| Ok::<_, kurultai::db::DbError>(stored_text(conn)))
        .await
        .unwrap()
}

fn stored_text(conn: &mut DbConn) -> Vec<(String, String, String)> {
    use diesel::prelude::*;
    use diesel::sql_types::{Nullable, Text};

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = Nullable<Text>)]
        value: Option<String>,
    }

    let (tables_sql, columns_sql): (&str, fn(&str) -> String) = match conn {
        DbConn::Sqlite(_) => (
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            |t| format!("SELECT name FROM pragma_table_info('{t}')"),
        ),
        DbConn::Postgresql(_) => (
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            |t| {
                format!(
                    "SELECT column_name::text AS name FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = '{t}'"
                )
            },
        ),
    };
    macro_rules! read_all {
        ($c:expr) => {{
            let mut out = Vec::new();
            let tables: Vec<Name> = diesel::sql_query(tables_sql).load($c).unwrap();
            for table in tables {
                let columns: Vec<Name> = diesel::sql_query(columns_sql(&table.name))
                    .load($c)
                    .unwrap();
                for column in columns {
                    let cells: Vec<Cell> = diesel::sql_query(format!(
                        "SELECT CAST(\"{}\" AS TEXT) AS value FROM \"{}\"",
                        column.name, table.name
                    ))
                    .load($c)
                    .unwrap();
                    out.extend(cells.into_iter().filter_map(|cell| {
                        cell.value
                            .map(|v| (table.name.clone(), column.name.clone(), v))
                    }));
                }
            }
            out
        }};
    }
    match conn {
        DbConn::Sqlite(c) => read_all!(c),
        DbConn::Postgresql(c) => read_all!(c),
    }
}

/// What the apps of this test binary logged since [`capture_logs`] first ran.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
/// Kept bounded: the other tests log too.
const MAX_LOG_BYTES: usize = 64 << 20;

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut logs = self.0.lock().unwrap();
        if logs.len() < MAX_LOG_BYTES {
            logs.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line from now on (the first call installs the global subscriber); fails
/// the test if another subscriber was installed first, since then nothing is captured.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink(buffer.clone());
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .try_init()
            .expect("no other log subscriber in the API tests");
        buffer
    });
}

/// Whether any captured log line contains `needle`.
pub fn logged(needle: &str) -> bool {
    let logs = LOGS.get().expect("capture_logs() first").lock().unwrap();
    String::from_utf8_lossy(&logs).contains(needle)
}

/// How much was captured (a test checks the capture works before trusting an absence).
pub fn logged_bytes() -> usize {
    LOGS.get().map_or(0, |l| l.lock().unwrap().len())
}
