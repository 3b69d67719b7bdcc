//! Exports at scale: a budget with N ballots, its `.pb` (`GET /budgets/{id}/export.pb`) and its
//! cycle's signed archive (`GET /cycles/{id}/export`) downloaded with the time, the size and
//! the server's peak memory of each. `bench/export_load.sh` does the whole run, restarting the
//! server between the steps so that each one's peak is its own.
//!
//! * `setup`: a municipality, its official and auditor, a cycle in voting with one approval
//!   budget; then N ballots written straight into the database with SQL (one in
//!   `--paper-every` on paper, the others online with a receipt each), the cycle closed and the
//!   budget counted through the API. Writes what the next steps need to `--state`.
//! * `export --what pb|archive`: logs in as the auditor, resets the server's peak RSS, downloads
//!   the export as a stream (never held in memory here either) and reports the wall time, the
//!   bytes, and the server's peak RSS. The `.pb` is checked on the way: `num_votes` and the
//!   number of vote lines must both be N. The archive can be saved (`--save`) for
//!   `kurultai verify`, with the municipality's public key (`--key-out`).
//!
//! ```sh
//! DATABASE_URL=postgres://… BALLOT_LOAD_ADMIN_EMAIL=… BALLOT_LOAD_ADMIN_PASSWORD=… \
//!   BALLOT_LOAD_MAIL_DIRS=data/mail target/release/examples/export_load setup --ballots 1000000 --state /tmp/state.json
//! target/release/examples/export_load export --state /tmp/state.json --what pb --server-pid PID
//! ```

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand, ValueEnum};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use reqwest::Client;
use serde_json::{json, Value};

mod load_common;
use load_common::{
    proc_cpu_seconds, proc_status, reset_peak, set_up_election, Api, MailDirs, SetupResult,
    STAFF_PASSWORD,
};

#[derive(Parser, Debug)]
#[command(about = "Time a budget's .pb export and its cycle's archive at scale")]
struct Args {
    /// The service, without the `/api/v1` suffix.
    #[arg(long, default_value = "http://127.0.0.1:8080", global = true)]
    base_url: String,
    /// The server's process id, when it runs on this machine: its peak RSS is reset before
    /// each timed step and reported after it (needs root).
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    /// Where `setup` writes, and `export` reads, the election's ids and logins (JSON).
    #[arg(long, global = true, default_value = "export_load.json")]
    state: std::path::PathBuf,
    #[command(flatten)]
    mail: MailDirs,
    #[command(subcommand)]
    step: Step,
}

#[derive(Subcommand, Debug)]
enum Step {
    /// The election, its ballots (SQL), the close and the count.
    Setup {
        /// A platform admin's e-mail (see `kurultai admin create-platform-admin`).
        #[arg(long, env = "BALLOT_LOAD_ADMIN_EMAIL")]
        admin_email: String,
        /// That admin's password (prefer the environment variable).
        #[arg(long, env = "BALLOT_LOAD_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
        /// The server's database, into which the ballots are written directly.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// Ballots in the budget.
        #[arg(long, default_value_t = 100_000)]
        ballots: i64,
        /// Proposals on the ballot (at least 3; each ballot approves 1 to 3 of them).
        #[arg(long, default_value_t = 10)]
        proposals: usize,
        /// One ballot in this many is a paper ballot (0: none).
        #[arg(long, default_value_t = 10)]
        paper_every: i64,
        /// Ballots per INSERT statement.
        #[arg(long, default_value_t = 100_000)]
        batch: i64,
        /// Municipality slug; a unique one per run by default.
        #[arg(long)]
        slug: Option<String>,
    },
    /// Download one export and measure it.
    Export {
        #[arg(long, value_enum)]
        what: Export,
        /// Save the download here (streamed to the file) instead of only counting it.
        #[arg(long)]
        save: Option<std::path::PathBuf>,
        /// Write the municipality's archive-signing public key (base64) here.
        #[arg(long)]
        key_out: Option<std::path::PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Export {
    /// `GET /budgets/{id}/export.pb`
    Pb,
    /// `GET /cycles/{id}/export`
    Archive,
}

fn client() -> Result<Client, String> {
    Client::builder()
        // A count of a million ballots and a download of hundreds of megabytes take minutes.
        .timeout(Duration::from_secs(3600))
        .build()
        .map_err(|e| e.to_string())
}

/// The server's CPU seconds so far (0 without a pid).
fn cpu(pid: Option<u32>) -> f64 {
    pid.and_then(proc_cpu_seconds).unwrap_or(0.0)
}

fn memory(pid: Option<u32>, label: &str) {
    if let Some(pid) = pid {
        println!(
            "  server {label}: VmRSS {}, peak (VmHWM) {}",
            proc_status(pid, "VmRSS"),
            proc_status(pid, "VmHWM")
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let api = Api {
        client: client()?,
        base: args.base_url.trim_end_matches('/').to_string(),
        mail_dirs: args.mail.dirs.clone(),
    };
    match &args.step {
        Step::Setup {
            admin_email,
            admin_password,
            database_url,
            ballots,
            proposals,
            paper_every,
            batch,
            slug,
        } => {
            let slug = slug.clone().unwrap_or_else(|| {
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default();
                format!("export-{secs}")
            });
            if *proposals < 3 {
                return Err("--proposals must be at least 3".into());
            }
            let started = Instant::now();
            let election =
                set_up_election(&api, admin_email, admin_password, &slug, *proposals).await?;
            let auditor_email = api.add_staff(&election.admin, &slug, "auditor").await?;
            println!(
                "election ready in {:.1} s (municipality {slug}, cycle {}, budget {}, {} proposals)",
                started.elapsed().as_secs_f64(),
                election.cycle,
                election.budget,
                election.proposals.len()
            );

            let inserting = Instant::now();
            let (online, paper) = insert_ballots(
                database_url,
                &election.budget,
                &election.proposals,
                *ballots,
                *paper_every,
                *batch,
            )?;
            let secs = inserting.elapsed().as_secs_f64();
            println!(
                "ballots: {} written with SQL in {secs:.1} s ({:.0}/s): {online} online with a receipt each, {paper} on paper",
                online + paper,
                (online + paper) as f64 / secs
            );

            api.transition(&election.official, &election.cycle, "closed")
                .await?;
            if let Some(pid) = args.server_pid {
                memory(Some(pid), "before the count");
                reset_peak(pid);
            }
            let counting = Instant::now();
            let cpu_before = cpu(args.server_pid);
            let tally = api
                .post(
                    &format!("/budgets/{}/tally", election.budget),
                    Some(&election.official),
                    &json!({}),
                    200,
                )
                .await?;
            println!(
                "count (POST /budgets/{{id}}/tally, greedy, untimed for the exports): {:.1} s ({:.1} s of server CPU), {} ballots counted",
                counting.elapsed().as_secs_f64(),
                cpu(args.server_pid) - cpu_before,
                tally["ballots_counted"]
            );
            memory(args.server_pid, "after the count");

            let state = json!({
                "slug": slug, "cycle": election.cycle, "budget": election.budget,
                "ballots": online + paper, "auditor_email": auditor_email,
            });
            std::fs::write(&args.state, state.to_string()).map_err(|e| e.to_string())?;
        }
        Step::Export {
            what,
            save,
            key_out,
        } => {
            let state: Value = serde_json::from_slice(
                &std::fs::read(&args.state).map_err(|e| format!("{:?}: {e}", args.state))?,
            )
            .map_err(|e| e.to_string())?;
            let field = |k: &str| state[k].as_str().unwrap_or_default().to_string();
            let slug = field("slug");
            let auditor = api
                .login(Some(&slug), &field("auditor_email"), STAFF_PASSWORD)
                .await?;
            let path = match what {
                Export::Pb => format!("/budgets/{}/export.pb", field("budget")),
                Export::Archive => format!("/cycles/{}/export", field("cycle")),
            };
            let expected = state["ballots"].as_i64().unwrap_or(-1);
            download(
                &api,
                &auditor,
                &path,
                *what,
                save.as_deref(),
                expected,
                args.server_pid,
            )
            .await?;
            if let Some(key_out) = key_out {
                let keys = api
                    .call(
                        reqwest::Method::GET,
                        &format!("/municipalities/{slug}/keys"),
                        None,
                        &Value::Null,
                        reqwest::StatusCode::OK,
                    )
                    .await?;
                let key = keys["keys"][0]["public_key"]
                    .as_str()
                    .ok_or_else(|| format!("no key in {keys}"))?;
                std::fs::write(key_out, key).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// Writes `n` ballots into the budget with SQL, `batch` per statement, each online one with
/// its receipt; returns (online, paper).
///
/// Rows as the service writes them: lowercase hyphenated UUID ids, channel `online` (a unique
/// 64-hex `voter_key`) or `paper` (no voter key, a polling station), selections as
/// `[{"proposal_id":"…"},…]` with 1 to 3 distinct proposals, revision 1; receipt codes are
/// four groups of five Crockford base-32 symbols (upper-case hex of the ballot id's MD5).
fn insert_ballots(
    database_url: &str,
    budget: &str,
    proposals: &[String],
    n: i64,
    paper_every: i64,
    batch: i64,
) -> SetupResult<(i64, i64)> {
    use diesel::sql_types::{Array, BigInt, Text};
    let mut conn = PgConnection::establish(database_url).map_err(|e| e.to_string())?;
    // Picks `a, a+s, a+2s` (mod m) with 1 <= s < m/2: always distinct.
    let insert = r#"
        WITH src AS (
            SELECT i,
                   ($4 > 0 AND i % $4 = 0) AS paper,
                   (i * 7919) % $5 AS a,
                   1 + (i / $5) % GREATEST(($5 - 1) / 2, 1) AS s,
                   1 + i % 3 AS picks
            FROM generate_series($2::bigint, $3::bigint) AS i
        ), b AS (
            INSERT INTO ballots (id, budget_id, voter_key, channel, polling_station, selections,
                                 cast_at, revision)
            SELECT gen_random_uuid()::text, $1,
                   CASE WHEN paper THEN NULL
                        ELSE encode(sha256(convert_to('export-load:' || $1 || ':' || i, 'UTF8')), 'hex')
                   END,
                   CASE WHEN paper THEN 'paper' ELSE 'online' END,
                   CASE WHEN paper THEN 'Station 1' END,
                   (SELECT '[' || string_agg('{"proposal_id":"' || ($6::text[])[(1 + (a + k * s) % $5)::int] || '"}',
                                             ',' ORDER BY k) || ']'
                    FROM generate_series(0, picks - 1) AS k),
                   (now() AT TIME ZONE 'UTC') - make_interval(secs => i / 100.0),
                   1
            FROM src
            RETURNING id, budget_id, channel, cast_at
        )
        INSERT INTO receipts (code, budget_id, ballot_id, issued_at, superseded_at)
        SELECT upper(substr(h, 1, 5) || '-' || substr(h, 6, 5) || '-' || substr(h, 11, 5)
                     || '-' || substr(h, 16, 5)),
               budget_id, id, cast_at, NULL
        FROM (SELECT md5(id) AS h, * FROM b WHERE channel = 'online') AS online"#;
    let mut lo = 1;
    while lo <= n {
        let hi = (lo + batch - 1).min(n);
        diesel::sql_query(insert)
            .bind::<Text, _>(budget)
            .bind::<BigInt, _>(lo)
            .bind::<BigInt, _>(hi)
            .bind::<BigInt, _>(paper_every)
            .bind::<BigInt, _>(proposals.len() as i64)
            .bind::<Array<Text>, _>(proposals)
            .execute(&mut conn)
            .map_err(|e| format!("inserting ballots {lo}..={hi}: {e}"))?;
        if hi < n {
            eprintln!("  {hi} ballots written");
        }
        lo = hi + 1;
    }
    diesel::sql_query("ANALYZE ballots")
        .execute(&mut conn)
        .and_then(|_| diesel::sql_query("ANALYZE receipts").execute(&mut conn))
        .map_err(|e| e.to_string())?;

    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = BigInt)]
        online: i64,
        #[diesel(sql_type = BigInt)]
        paper: i64,
        #[diesel(sql_type = BigInt)]
        receipts: i64,
        #[diesel(sql_type = Text)]
        size: String,
    }
    let counts: Counts = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE channel = 'online') AS online,
                count(*) FILTER (WHERE channel = 'paper') AS paper,
                (SELECT count(*) FROM receipts WHERE budget_id = $1) AS receipts,
                pg_size_pretty(pg_total_relation_size('ballots')
                               + pg_total_relation_size('receipts')) AS size
         FROM ballots WHERE budget_id = $1",
    )
    .bind::<Text, _>(budget)
    .get_result(&mut conn)
    .map_err(|e| e.to_string())?;
    if counts.receipts != counts.online || counts.online + counts.paper != n {
        return Err(format!(
            "wrote {} online, {} paper ballots and {} receipts, expected {n} ballots",
            counts.online, counts.paper, counts.receipts
        ));
    }
    println!(
        "  ballots and receipts tables with their indexes: {}",
        counts.size
    );
    Ok((counts.online, counts.paper))
}

/// Follows a `.pb` as it streams by, a line at a time, and keeps only what it checks: the
/// section, `num_votes`, and the number of vote lines.
#[derive(Default)]
struct PbCheck {
    partial: Vec<u8>,
    section: String,
    header_seen: bool,
    num_votes: Option<i64>,
    votes: i64,
    lines: u64,
}

impl PbCheck {
    fn feed(&mut self, mut data: &[u8]) {
        while let Some(end) = data.iter().position(|&b| b == b'\n') {
            if self.partial.is_empty() {
                self.line(&data[..end]);
            } else {
                self.partial.extend_from_slice(&data[..end]);
                let line = std::mem::take(&mut self.partial);
                self.line(&line);
            }
            data = &data[end + 1..];
        }
        self.partial.extend_from_slice(data);
    }

    fn finish(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line);
        }
    }

    fn line(&mut self, line: &[u8]) {
        self.lines += 1;
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if matches!(line, "META" | "PROJECTS" | "VOTES") {
            self.section = line.to_string();
            self.header_seen = false;
            return;
        }
        if !self.header_seen {
            self.header_seen = true;
            return;
        }
        match self.section.as_str() {
            "META" => {
                if let Some(v) = line.strip_prefix("num_votes;") {
                    self.num_votes = v.trim().parse().ok();
                }
            }
            "VOTES" if !line.is_empty() => self.votes += 1,
            _ => {}
        }
    }
}

/// Downloads `path` as a stream, reporting time, bytes and the server's peak memory.
async fn download(
    api: &Api,
    token: &str,
    path: &str,
    what: Export,
    save: Option<&std::path::Path>,
    expected: i64,
    pid: Option<u32>,
) -> SetupResult<()> {
    if let Some(pid) = pid {
        println!(
            "GET {path}: server before, VmRSS {} (peak reset to it)",
            proc_status(pid, "VmRSS")
        );
        reset_peak(pid);
    }
    let mut file = match save {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("{p:?}: {e}"))?,
        )),
        None => None,
    };
    let cpu_before = cpu(pid);
    let started = Instant::now();
    let mut response = api
        .client
        .get(format!("{}/api/v1{path}", api.base))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(format!("GET {path}: {status} {text}"));
    }
    let headers_at = started.elapsed();
    let mut first_at = None;
    let mut bytes: u64 = 0;
    let mut check = PbCheck::default();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("GET {path}: the body broke off after {bytes} bytes: {e}"))?
    {
        if first_at.is_none() {
            first_at = Some(started.elapsed());
            if let Some(pid) = pid {
                println!(
                    "  server at the first byte: VmRSS {}, peak (VmHWM) {}",
                    proc_status(pid, "VmRSS"),
                    proc_status(pid, "VmHWM")
                );
            }
        }
        bytes += chunk.len() as u64;
        if what == Export::Pb {
            check.feed(&chunk);
        }
        if let Some(file) = file.as_mut() {
            file.write_all(&chunk).map_err(|e| e.to_string())?;
        }
    }
    let total = started.elapsed();
    if let Some(mut file) = file {
        file.flush().map_err(|e| e.to_string())?;
    }
    println!(
        "  {bytes} bytes ({:.1} MiB) in {:.2} s ({:.1} MiB/s); headers after {:.2} s, first byte after {:.2} s; {:.1} s of server CPU",
        bytes as f64 / 1_048_576.0,
        total.as_secs_f64(),
        bytes as f64 / 1_048_576.0 / total.as_secs_f64(),
        headers_at.as_secs_f64(),
        first_at.unwrap_or(total).as_secs_f64(),
        cpu(pid) - cpu_before
    );
    memory(pid, "after the download");
    if what == Export::Pb {
        check.finish();
        println!(
            "  .pb check: {} lines, num_votes {:?}, {} vote lines (expected {expected})",
            check.lines, check.num_votes, check.votes
        );
        if check.num_votes != Some(expected) || check.votes != expected {
            return Err(format!(
                "the .pb has num_votes {:?} and {} vote lines, expected {expected}",
                check.num_votes, check.votes
            ));
        }
    }
    Ok(())
}
