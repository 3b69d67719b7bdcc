//! Client code shared by the load generators (`ballot_load`, `export_load`, `fault_load`): a
//! small JSON API client, the election and the residents they set up, and the server's memory
//! from `/proc`. A folder
//! without `main.rs`, so not an example of its own; each example includes it with
//! `mod load_common;` and uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

// The tests' reader of the mail the server writes (`.eml` files of `mail.transport = "file"`).
#[path = "../../tests/api/support/inbox.rs"]
mod inbox;

/// The password every staff account sets when it accepts its invitation.
pub const STAFF_PASSWORD: &str = "load test staff passphrase 7";
pub const RESIDENT_PASSWORD: &str = "load test resident passphrase 7";

/// A valid T.C. Kimlik No from `seed`: nine digits, then the two check digits.
pub fn tckn(seed: u64) -> String {
    let mut d: Vec<u32> = format!("{:09}", 100_000_000 + seed % 800_000_000)
        .chars()
        .map(|c| c.to_digit(10).expect("a digit"))
        .collect();
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    d.push((7 * i64::from(odd) - i64::from(even)).rem_euclid(10) as u32);
    d.push(d.iter().sum::<u32>() % 10);
    d.iter().map(|x| x.to_string()).collect()
}

/// Registers residents `0..n` of `slug` (`concurrency` at a time) and logs each in; returns
/// their access tokens in resident order.
pub async fn register_residents(
    api: Arc<Api>,
    slug: &str,
    n: usize,
    concurrency: usize,
) -> SetupResult<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (api, next, slug) = (api.clone(), next.clone(), slug.to_string());
        tasks.push(tokio::spawn(async move {
            let mut tokens = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, String>(tokens);
                }
                let email = format!("resident{i}@{slug}.example");
                api.post(
                    &format!("/municipalities/{slug}/residents"),
                    None,
                    &json!({"national_id": tckn(i as u64 + 1), "full_name": format!("Resident {i}"),
                            "birth_date": "1980-01-01", "email": email,
                            "password": RESIDENT_PASSWORD}),
                    201,
                )
                .await?;
                let token = api.login(Some(&slug), &email, RESIDENT_PASSWORD).await?;
                tokens.push((i, token));
                if (i + 1) % 1000 == 0 {
                    eprintln!("  {} residents registered", i + 1);
                }
            }
        }));
    }
    let mut all = Vec::with_capacity(n);
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, token)| token).collect())
}

/// A `/proc/<pid>/status` field, e.g. `VmRSS`, as written there ("123456 kB").
pub fn proc_status(pid: u32, field: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':').map(str::trim))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "?".into())
}

/// The CPU time (user + system) the process has used so far, in seconds: `/proc/<pid>/stat`,
/// whose clock ticks are USER_HZ, 100 a second on Linux's usual ABIs.
pub fn proc_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<u64>().ok();
    Some((ticks(14)? + ticks(15)?) as f64 / 100.0)
}

/// The CPU time the whole machine has been busy so far, in seconds, over all cores: the first
/// line of `/proc/stat` without its idle and iowait columns (USER_HZ ticks).
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let busy: u64 = ticks.iter().take(8).sum::<u64>() - ticks.get(3)? - ticks.get(4)?;
    Some(busy as f64 / 100.0)
}

/// Resets the process's peak RSS (VmHWM) to its current RSS: writing 5 to `clear_refs`
/// (Linux ≥ 4.0; needs root or the same user). Says so when it cannot.
pub fn reset_peak(pid: u32) {
    if let Err(e) = std::fs::write(format!("/proc/{pid}/clear_refs"), "5") {
        println!("  (could not reset the server's peak RSS: {e})");
    }
}

/// A failure during setup: the step and what the server said.
pub type SetupResult<T> = Result<T, String>;

pub struct Api {
    pub client: Client,
    pub base: String,
    /// Where the server (each instance) writes its mail, `mail.transport = "file"`: the staff's
    /// invitations are read there ([`MailDirs`]).
    pub mail_dirs: Vec<PathBuf>,
}

/// The `--mail-dir` option of the tools that set up an election: staff accounts are invited by
/// e-mail (no one sets another's password), so the tool reads the invitation where the server
/// writes it and accepts it as its holder would.
#[derive(clap::Args, Debug, Clone)]
pub struct MailDirs {
    /// The server's mail directory (`<data_dir>/mail` with `mail.transport = "file"`); repeat
    /// it, or separate with `:` in the environment, for several instances.
    #[arg(
        long = "mail-dir",
        env = "BALLOT_LOAD_MAIL_DIRS",
        value_delimiter = ':'
    )]
    pub dirs: Vec<PathBuf>,
}

impl Api {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
        expect: StatusCode,
    ) -> SetupResult<Value> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}/api/v1{path}", self.base))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status != expect {
            return Err(format!("{method} {path}: {status} {text}"));
        }
        if text.is_empty() {
            // 204 No Content.
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}"))
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        expect: u16,
    ) -> SetupResult<Value> {
        let expect = StatusCode::from_u16(expect).expect("a status code");
        self.call(Method::POST, path, token, body, expect).await
    }

    pub async fn login(
        &self,
        slug: Option<&str>,
        login: &str,
        password: &str,
    ) -> SetupResult<String> {
        let body = json!({"municipality": slug, "login": login, "password": password});
        let reply = self.post("/auth/login", None, &body, 200).await?;
        reply["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("login of {login}: no access_token"))
    }

    /// Sets `email`'s password to [`STAFF_PASSWORD`] the way its holder does: waits (at most
    /// 30 s) for the invitation in the mail directories and accepts it with the link's token.
    pub async fn accept_invitation(&self, email: &str) -> SetupResult<()> {
        if self.mail_dirs.is_empty() {
            return Err(format!(
                "{email} is invited by e-mail: start the server with mail.transport = \"file\" \
                 and name its mail directory (--mail-dir or BALLOT_LOAD_MAIL_DIRS)"
            ));
        }
        let within = Duration::from_secs(30);
        let deadline = std::time::Instant::now() + within;
        let token = loop {
            let mail = self.mail_dirs.iter().find_map(|dir| {
                inbox::latest_to(dir, email).filter(|m| m.body.contains("/invitation?token="))
            });
            if let Some(mail) = mail {
                break mail.token();
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "no invitation to {email} in {:?} within {within:?}",
                    self.mail_dirs
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let body = json!({"token": token, "password": STAFF_PASSWORD});
        self.post("/auth/invitation", None, &body, 204).await?;
        Ok(())
    }

    /// Invites a staff member with `role` (`official`, `auditor`, …) to the municipality and
    /// accepts the invitation; returns their e-mail (the password is [`STAFF_PASSWORD`]).
    pub async fn add_staff(&self, admin: &str, slug: &str, role: &str) -> SetupResult<String> {
        let email = format!("{role}@{slug}.example");
        self.post(
            &format!("/municipalities/{slug}/staff"),
            Some(admin),
            &json!({"email": email, "display_name": role, "role": role}),
            201,
        )
        .await?;
        self.accept_invitation(&email).await?;
        Ok(email)
    }

    /// Moves the cycle one step on, to `to`.
    pub async fn transition(&self, official: &str, cycle: &str, to: &str) -> SetupResult<Value> {
        self.post(
            &format!("/cycles/{cycle}/transition"),
            Some(official),
            &json!({ "to": to }),
            200,
        )
        .await
    }
}

pub fn id_of(value: &Value) -> SetupResult<String> {
    value["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no id in {value}"))
}

/// An election in voting, as [`set_up_election`] left it.
pub struct Election {
    /// The municipality admin's access token.
    pub admin: String,
    /// The official's access token.
    pub official: String,
    pub cycle: String,
    /// The cycle's one budget: approval, up to 3 chosen, counted greedily.
    pub budget: String,
    /// The approved proposals on its ballot.
    pub proposals: Vec<String>,
}

/// A new municipality `slug` (open registration, revotes until the close), its official, and
/// a cycle in voting with one budget of `proposals` approved proposals.
pub async fn set_up_election(
    api: &Api,
    platform_email: &str,
    platform_password: &str,
    slug: &str,
    proposals: usize,
) -> SetupResult<Election> {
    let platform = api.login(None, platform_email, platform_password).await?;
    let admin_email = format!("admin@{slug}.example");
    api.post(
        "/municipalities",
        Some(&platform),
        &json!({
            "slug": slug, "country": "TR", "names": {"en": format!("Load test {slug}")},
            "default_language": "en", "languages": ["en"],
            "admin": {"email": admin_email, "display_name": "Admin"}
        }),
        201,
    )
    .await?;
    api.accept_invitation(&admin_email).await?;
    let admin = api.login(Some(slug), &admin_email, STAFF_PASSWORD).await?;
    api.call(
        Method::PATCH,
        &format!("/municipalities/{slug}/settings"),
        Some(&admin),
        &json!({"registration_policy": "open", "revote_policy": "until_close"}),
        StatusCode::OK,
    )
    .await?;
    let official_email = api.add_staff(&admin, slug, "official").await?;
    let official = api
        .login(Some(slug), &official_email, STAFF_PASSWORD)
        .await?;
    let cycle = id_of(
        &api.post(
            &format!("/municipalities/{slug}/cycles"),
            Some(&official),
            &json!({"names": {"en": "Load test cycle"}}),
            201,
        )
        .await?,
    )?;
    let budget = id_of(
        &api.post(
            &format!("/cycles/{cycle}/budgets"),
            Some(&official),
            &json!({"names": {"en": "Whole city"}, "amount_minor": 1_000_000,
                    "ballot": {"type": "approval", "max_selections": 3}}),
            201,
        )
        .await?,
    )?;
    api.transition(&official, &cycle, "submission").await?;
    let mut ids = Vec::new();
    for i in 0..proposals {
        let id = id_of(
            &api.post(
                &format!("/budgets/{budget}/proposals"),
                Some(&official),
                &json!({"titles": {"en": format!("Project {i}")},
                        "descriptions": {"en": format!("About project {i}")},
                        "cost_minor": 100_000 + 50_000 * i as i64, "category": "parks"}),
                201,
            )
            .await?,
        )?;
        api.post(
            &format!("/proposals/{id}/review"),
            Some(&official),
            &json!({"decision": "approve"}),
            200,
        )
        .await?;
        ids.push(id);
    }
    api.transition(&official, &cycle, "review").await?;
    api.transition(&official, &cycle, "voting").await?;
    Ok(Election {
        admin,
        official,
        cycle,
        budget,
        proposals: ids,
    })
}
