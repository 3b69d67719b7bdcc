//! Ballot storm for the fault suite (`bench/faults.sh`): `setup` creates an election in voting
//! and logs in N residents (state written to a file); `storm` has C workers cast ballots for
//! those residents for S seconds, each cast with its own `Idempotency-Key` and retried with the
//! same key after a 502/503/504 or a connection error until it is acknowledged (or 30 s pass).
//! It prints the replies by status and the seconds during which nothing succeeded, and writes
//! every acknowledged receipt to `--acks`, one a line, for the suite to look up in the database.
//!
//! ```sh
//! cargo run --release --example fault_load -- setup --base-url http://127.0.0.1:58100 \
//!   --residents 200 --state /tmp/state.json --mail-dir data/mail
//! cargo run --release --example fault_load -- storm --state /tmp/state.json --seconds 20 \
//!   --concurrency 32 --acks /tmp/acks.txt
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use reqwest::Client;
use serde_json::{json, Value};

mod load_common;
use load_common::{register_residents, set_up_election, Api, MailDirs, SetupResult};

/// A cast not acknowledged after this long is given up (and reported).
const GIVE_UP: Duration = Duration::from_secs(30);

#[derive(Parser, Debug)]
#[command(about = "Ballot storm for bench/faults.sh")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// An election in voting and N logged-in residents, written to `--state`.
    Setup {
        #[arg(long)]
        base_url: String,
        #[arg(long, env = "BALLOT_LOAD_ADMIN_EMAIL")]
        admin_email: String,
        #[arg(long, env = "BALLOT_LOAD_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
        #[arg(long, default_value_t = 200)]
        residents: usize,
        #[arg(long, default_value_t = 4)]
        setup_concurrency: usize,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        state: String,
        #[command(flatten)]
        mail: MailDirs,
    },
    /// Casts ballots for the residents of `--state` for `--seconds`.
    Storm {
        #[arg(long)]
        state: String,
        /// Overrides the base URL of the state file.
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Acknowledged receipts, one a line.
        #[arg(long)]
        acks: String,
        /// A tag put in every Idempotency-Key (keeps scenarios apart).
        #[arg(long, default_value = "storm")]
        tag: String,
    },
}

fn client() -> Result<Client, String> {
    Client::builder()
        .pool_max_idle_per_host(128)
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| e.to_string())
}

async fn setup(
    api: Api,
    email: &str,
    password: &str,
    residents: usize,
    concurrency: usize,
    slug: &str,
    state: &str,
) -> SetupResult<()> {
    let api = Arc::new(api);
    let election = set_up_election(&api, email, password, slug, 6).await?;
    let tokens = register_residents(api.clone(), slug, residents, concurrency).await?;
    let out = json!({"base_url": api.base, "budget": election.budget, "cycle": election.cycle,
                     "official": election.official, "proposals": election.proposals,
                     "tokens": tokens});
    std::fs::write(state, out.to_string()).map_err(|e| e.to_string())?;
    println!(
        "setup: budget {}, {} residents",
        election.budget,
        tokens.len()
    );
    Ok(())
}

/// What the workers saw.
#[derive(Default)]
struct Tally {
    /// Replies by status ("201", "503", "connection error", …), retries included.
    statuses: BTreeMap<String, usize>,
    /// Distinct casts (Idempotency-Keys) started.
    casts: usize,
    /// Casts given up without an acknowledgement.
    given_up: usize,
    acks: Vec<String>,
    /// When each acknowledgement arrived, in ms since the start.
    successes: Vec<u128>,
    /// The longest any one request took to be answered (or to fail), in ms: a request that
    /// hangs on a database that vanished shows here.
    slowest: u128,
    /// When each failed request was sent, in ms since the start.
    failures: Vec<u128>,
}

fn is_retryable(key: &str) -> bool {
    matches!(key, "502" | "503" | "504") || key.starts_with("connection")
}

async fn storm(
    state: &str,
    base_url: Option<String>,
    seconds: u64,
    concurrency: usize,
    acks: &str,
    tag: &str,
) -> Result<(), String> {
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(state).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let base = base_url.unwrap_or_else(|| state["base_url"].as_str().unwrap_or_default().into());
    let budget = state["budget"].as_str().ok_or("no budget in the state")?;
    let url = format!(
        "{}/api/v1/budgets/{budget}/ballot",
        base.trim_end_matches('/')
    );
    let tokens: Arc<Vec<String>> = Arc::new(
        state["tokens"]
            .as_array()
            .ok_or("no tokens")?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
    );
    let proposals: Arc<Vec<String>> = Arc::new(
        state["proposals"]
            .as_array()
            .ok_or("no proposals")?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
    );
    let client = client()?;
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, url, tokens, proposals, next, stop, tally, tag) = (
            client.clone(),
            url.clone(),
            tokens.clone(),
            proposals.clone(),
            next.clone(),
            stop.clone(),
            tally.clone(),
            tag.to_string(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                // One resident at a time per worker: n and n + concurrency never collide as
                // long as there are more residents than workers.
                let i = n % tokens.len();
                let m = proposals.len();
                let picked: std::collections::BTreeSet<usize> =
                    (0..3).map(|k| (n + k * 2) % m).collect();
                let body = json!({"selections": picked.into_iter()
                    .map(|p| json!({"proposal_id": proposals[p]})).collect::<Vec<_>>()});
                let key = format!("{tag}-{run}-{n}");
                tally.lock().expect("tally").casts += 1;
                let first = Instant::now();
                loop {
                    let sent = started.elapsed().as_millis();
                    let result = client
                        .put(&url)
                        .bearer_auth(&tokens[i])
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await;
                    let (status, receipt) = match result {
                        Ok(response) => {
                            let status = response.status().as_u16().to_string();
                            let body: Value = response.json().await.unwrap_or(Value::Null);
                            (status, body["receipt"].as_str().map(str::to_string))
                        }
                        Err(e) if e.is_timeout() => ("connection time-out".to_string(), None),
                        Err(_) => ("connection error".to_string(), None),
                    };
                    let done = started.elapsed().as_millis();
                    let ok = status == "200" || status == "201";
                    let finished = {
                        let mut t = tally.lock().expect("tally");
                        *t.statuses.entry(status.clone()).or_default() += 1;
                        t.slowest = t.slowest.max(done - sent);
                        if ok {
                            t.successes.push(done);
                            t.acks.extend(receipt);
                            true
                        } else {
                            t.failures.push(sent);
                            let give_up = !is_retryable(&status) || first.elapsed() > GIVE_UP;
                            t.given_up += usize::from(give_up);
                            give_up
                        }
                    };
                    if finished {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.map_err(|e| e.to_string())?;
    }
    let mut t = tally.lock().expect("tally");
    t.successes.sort_unstable();
    std::fs::write(acks, t.acks.join("\n") + "\n").map_err(|e| e.to_string())?;
    let end = started.elapsed().as_millis();
    let unavailable = unavailable_seconds(&t.successes, &t.failures, end);
    // The longest time without an acknowledgement: requests that waited instead of failing.
    let longest_gap = std::iter::once(0)
        .chain(t.successes.iter().copied())
        .chain(std::iter::once(end))
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or(0) as f64
        / 1000.0;
    let five: BTreeMap<_, _> = t
        .statuses
        .iter()
        .filter(|(k, _)| k.starts_with('5'))
        .collect();
    let transport: usize = t
        .statuses
        .iter()
        .filter(|(k, _)| k.starts_with("connection"))
        .map(|(_, v)| v)
        .sum();
    println!(
        "storm: {:.1} s, {} casts, {} acknowledged, {} given up; replies {:?}",
        started.elapsed().as_secs_f64(),
        t.casts,
        t.acks.len(),
        t.given_up,
        t.statuses
    );
    println!(
        "RESULT casts={} acknowledged={} given_up={} unavailable_s={unavailable:.1} longest_gap_s={longest_gap:.1} slowest_request_s={:.1} transport_errors={transport} five_xx={:?}",
        t.casts,
        t.acks.len(),
        t.given_up,
        t.slowest as f64 / 1000.0,
        five
    );
    Ok(())
}

/// Seconds unavailable: the sum of the gaps between consecutive acknowledgements (and the
/// storm's start and end) in which at least one request was sent that then failed.
fn unavailable_seconds(successes: &[u128], failures: &[u128], end: u128) -> f64 {
    let mut edges = Vec::with_capacity(successes.len() + 2);
    edges.push(0);
    edges.extend_from_slice(successes);
    edges.push(end);
    let mut failures = failures.to_vec();
    failures.sort_unstable();
    let ms: u128 = edges
        .windows(2)
        .filter(|w| {
            let first_after = failures.partition_point(|&f| f < w[0]);
            failures.get(first_after).is_some_and(|&f| f < w[1])
        })
        .map(|w| w[1] - w[0])
        .sum();
    ms as f64 / 1000.0
}

#[tokio::main]
async fn main() -> Result<(), String> {
    match Args::parse().command {
        Command::Setup {
            base_url,
            admin_email,
            admin_password,
            residents,
            setup_concurrency,
            slug,
            state,
            mail,
        } => {
            let api = Api {
                client: client()?,
                base: base_url.trim_end_matches('/').to_string(),
                mail_dirs: mail.dirs,
            };
            setup(
                api,
                &admin_email,
                &admin_password,
                residents,
                setup_concurrency,
                &slug,
                &state,
            )
            .await
        }
        Command::Storm {
            state,
            base_url,
            seconds,
            concurrency,
            acks,
            tag,
        } => storm(&state, base_url, seconds, concurrency, &acks, &tag).await,
    }
}
