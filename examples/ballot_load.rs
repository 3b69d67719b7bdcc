//! Load generator for online ballots: sets up a municipality with an election in voting,
//! registers and logs in N residents (untimed), then has C concurrent workers cast one ballot
//! per resident (and, with `--passes 2` or more, replace it) and reports ballots per second and
//! latency percentiles. Run against a release build; `bench/ballot_load.sh` does the whole run.
//! Staff are invited by e-mail: the server writes it as files (`mail.transport = "file"`) in
//! the directory `--mail-dir` names, where the tool accepts each invitation.
//!
//! ```sh
//! BALLOT_LOAD_ADMIN_EMAIL=root@bench.example BALLOT_LOAD_ADMIN_PASSWORD=… \
//!   cargo run --release --example ballot_load -- --base-url http://127.0.0.1:8080 \
//!   --mail-dir data/mail --residents 5000 --concurrency 64 --passes 2
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use reqwest::Client;
use serde_json::{json, Value};

mod load_common;
use load_common::{
    machine_busy_seconds, proc_cpu_seconds, proc_status, register_residents, reset_peak,
    set_up_election, Api, MailDirs,
};

#[derive(Parser, Debug)]
#[command(about = "Cast ballots concurrently against a running Kurultai and report the rate")]
struct Args {
    /// The service, without the `/api/v1` suffix.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// A platform admin's e-mail (see `kurultai admin create-platform-admin`).
    #[arg(long, env = "BALLOT_LOAD_ADMIN_EMAIL")]
    admin_email: String,
    /// That admin's password (prefer the environment variable).
    #[arg(long, env = "BALLOT_LOAD_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    #[command(flatten)]
    mail: MailDirs,
    /// Residents to register; each casts one ballot per pass.
    #[arg(long, default_value_t = 1000)]
    residents: usize,
    /// Concurrent workers in the timed phase.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Concurrent registrations and logins during the (untimed) setup.
    #[arg(long, default_value_t = 16)]
    setup_concurrency: usize,
    /// Timed passes over all residents: the first casts, later ones replace.
    #[arg(long, default_value_t = 1)]
    passes: usize,
    /// Proposals on the ballot (approval ballot, up to 3 chosen).
    #[arg(long, default_value_t = 6)]
    proposals: usize,
    /// Municipality slug; a unique one per run by default.
    #[arg(long)]
    slug: Option<String>,
    /// The server's process id, when it runs on this machine: its memory is reported after the
    /// setup and for the timed phase alone (the peak is reset in between, which needs root).
    #[arg(long)]
    server_pid: Option<u32>,
}

/// What one timed pass measured.
#[derive(Default)]
struct PassOutcome {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<String, usize>,
    elapsed: Duration,
}

/// One ballot per resident, `concurrency` at a time. Pass `pass` chooses a different subset
/// than the previous one so later passes really replace.
async fn cast_pass(
    client: &Client,
    url: &str,
    tokens: &Arc<Vec<String>>,
    proposals: &Arc<Vec<String>>,
    concurrency: usize,
    pass: usize,
) -> PassOutcome {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, url, tokens, proposals, next) = (
            client.clone(),
            url.to_string(),
            tokens.clone(),
            proposals.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut out = PassOutcome::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= tokens.len() {
                    return out;
                }
                let m = proposals.len();
                let picked: std::collections::BTreeSet<usize> =
                    (0..3).map(|k| (i + pass + k * 2) % m).collect();
                let chosen: Vec<Value> = picked
                    .into_iter()
                    .map(|p| json!({"proposal_id": proposals[p]}))
                    .collect();
                let body = json!({ "selections": chosen });
                let sent = Instant::now();
                let result = client
                    .put(&url)
                    .bearer_auth(&tokens[i])
                    .json(&body)
                    .send()
                    .await;
                let key = match result {
                    Ok(response) => {
                        let status = response.status();
                        // Read the whole body: the request ends when the reply is in.
                        let _ = response.bytes().await;
                        status.as_u16().to_string()
                    }
                    Err(e) => format!("transport error ({})", e.without_url()),
                };
                out.latencies_us.push(sent.elapsed().as_micros() as u64);
                *out.statuses.entry(key).or_default() += 1;
            }
        }));
    }
    let mut total = PassOutcome::default();
    for worker in workers {
        let out = worker.await.expect("a worker finished");
        total.latencies_us.extend(out.latencies_us);
        for (k, v) in out.statuses {
            *total.statuses.entry(k).or_default() += v;
        }
    }
    total.elapsed = started.elapsed();
    total
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn report(label: &str, outcome: &mut PassOutcome) {
    outcome.latencies_us.sort_unstable();
    let n = outcome.latencies_us.len();
    let ok: usize = outcome
        .statuses
        .iter()
        .filter(|(k, _)| *k == "200" || *k == "201")
        .map(|(_, v)| v)
        .sum();
    let secs = outcome.elapsed.as_secs_f64();
    let l = &outcome.latencies_us;
    println!(
        "{label}: {n} requests in {secs:.2} s = {:.0} ballots/s ({ok} ok); latency ms p50 {:.1} p90 {:.1} p99 {:.1} max {:.1}; statuses {:?}",
        ok as f64 / secs,
        percentile(l, 50.0),
        percentile(l, 90.0),
        percentile(l, 99.0),
        percentile(l, 100.0),
        outcome.statuses,
    );
}

/// CPU seconds used so far by the server, this generator and the whole machine: what a ballot
/// costs each, the rest of the machine's share being mostly PostgreSQL.
struct CpuSplit {
    server: Option<f64>,
    generator: Option<f64>,
    machine: Option<f64>,
}

impl CpuSplit {
    fn now(server_pid: Option<u32>) -> Self {
        CpuSplit {
            server: server_pid.and_then(proc_cpu_seconds),
            generator: proc_cpu_seconds(std::process::id()),
            machine: machine_busy_seconds(),
        }
    }

    fn since(&self, before: &CpuSplit) -> CpuSplit {
        let diff = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        CpuSplit {
            server: diff(self.server, before.server),
            generator: diff(self.generator, before.generator),
            machine: diff(self.machine, before.machine),
        }
    }

    fn report(&self, requests: usize) {
        let per = |s: Option<f64>| match s {
            Some(s) if requests > 0 => format!("{:.3}", s * 1000.0 / requests as f64),
            _ => "?".into(),
        };
        let rest = (|| Some(self.machine? - self.server? - self.generator?))();
        println!(
            "  CPU ms per request: server {}, generator {}, the rest (PostgreSQL, other) {}, machine {}",
            per(self.server),
            per(self.generator),
            per(rest),
            per(self.machine)
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let base = args.base_url.trim_end_matches('/').to_string();
    let client = Client::builder()
        .pool_max_idle_per_host(args.concurrency.max(args.setup_concurrency) + 8)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let api = Arc::new(Api {
        client: client.clone(),
        base: base.clone(),
        mail_dirs: args.mail.dirs.clone(),
    });
    let slug = args.slug.clone().unwrap_or_else(|| {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        format!("load-{secs}")
    });

    let setup = Instant::now();
    let election = set_up_election(
        &api,
        &args.admin_email,
        &args.admin_password,
        &slug,
        args.proposals,
    )
    .await?;
    let (budget, proposals) = (election.budget, election.proposals);
    eprintln!(
        "election ready in {:.1} s (municipality {slug}, budget {budget}); registering {} residents",
        setup.elapsed().as_secs_f64(),
        args.residents
    );
    let registering = Instant::now();
    let tokens = Arc::new(
        register_residents(api.clone(), &slug, args.residents, args.setup_concurrency).await?,
    );
    let setup_secs = registering.elapsed().as_secs_f64();
    println!(
        "setup: {} residents registered and logged in in {setup_secs:.1} s ({:.0}/s, {} at a time)",
        tokens.len(),
        tokens.len() as f64 / setup_secs,
        args.setup_concurrency
    );

    if let Some(pid) = args.server_pid {
        println!(
            "server memory after setup: VmRSS {}, peak so far (VmHWM) {}",
            proc_status(pid, "VmRSS"),
            proc_status(pid, "VmHWM")
        );
        reset_peak(pid);
    }
    let url = format!("{base}/api/v1/budgets/{budget}/ballot");
    let proposals = Arc::new(proposals);
    let mut all = PassOutcome::default();
    for pass in 0..args.passes.max(1) {
        let cpu_before = CpuSplit::now(args.server_pid);
        let mut outcome =
            cast_pass(&client, &url, &tokens, &proposals, args.concurrency, pass).await;
        let cpu = CpuSplit::now(args.server_pid).since(&cpu_before);
        let label = if pass == 0 {
            format!("pass 1 (first ballots, {} workers)", args.concurrency)
        } else {
            format!(
                "pass {} (replacements, {} workers)",
                pass + 1,
                args.concurrency
            )
        };
        report(&label, &mut outcome);
        cpu.report(outcome.latencies_us.len());
        all.latencies_us.extend(outcome.latencies_us);
        for (k, v) in outcome.statuses {
            *all.statuses.entry(k).or_default() += v;
        }
        all.elapsed += outcome.elapsed;
    }
    if args.passes > 1 {
        report("all passes", &mut all);
    }
    if let Some(pid) = args.server_pid {
        println!(
            "server memory during the ballots: peak (VmHWM since the reset) {}, now VmRSS {}",
            proc_status(pid, "VmHWM"),
            proc_status(pid, "VmRSS")
        );
    }
    Ok(())
}
