//! `GET /cycles/{id}/export` and `kurultai verify`: the signed cycle archive of a closed,
//! counted cycle with two budgets (approval by Equal Shares, cumulative by greedy), who may
//! take it, what it holds, the audit record, the published key; then `kurultai verify` on the
//! archive as served (passes, with and without the key), with another municipality's key
//! (fails), with one byte changed in each kind of file (each caught, naming the file), and
//! with a forged result re-signed with the right key (caught by the recount).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app_with, TestApp, PASSWORD, PLATFORM_EMAIL};
use crate::support::{
    audit_actions, audit_details, CastReply, Keys, MunicipalityBuilder, ProposalBuilder,
    ResidentBuilder, Role, Session,
};

const SIGNING_SECRET: &str = "6b7572756c7461692d746573742d7369676e696e672d7365637265742d2d2d2d";

/// A closed cycle of İzmir with two counted budgets.
struct Counted {
    app: TestApp,
    cycle: String,
    budgets: [String; 2],
    official: Session,
    auditor: Session,
    admin: Session,
    /// The receipts of the counted online ballots, and one that was replaced.
    receipts: Vec<String>,
    replaced: String,
}

async fn counted_cycle() -> Counted {
    let app = spawn_app_with(|s| {
        s.signing_secret = Some(kurultai::config::Secret::new(SIGNING_SECRET));
    })
    .await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("izmir").open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let cycle = official.create_cycle(&city).await;
    let approval = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "City budget"}, "amount_minor": 1_000_000,
                   "ballot": {"type": "approval", "max_selections": 3},
                   "rule": {"kind": "equal_shares", "completion": "add1", "tie_break": "pabutools"}}),
        )
        .await;
    let cumulative = official
        .create_budget(
            &cycle,
            json!({"names": {"en": "Parks"}, "amount_minor": 500_000,
                   "ballot": {"type": "cumulative", "max_points": 5, "max_points_per_proposal": 3},
                   "rule": {"kind": "greedy"}}),
        )
        .await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    let mut a = Vec::new();
    for (i, cost) in [400_000, 350_000, 250_000, 200_000].iter().enumerate() {
        let proposal = ProposalBuilder::new(&format!("Kütüphane {i}")).cost(*cost);
        let proposal = official.propose(&approval, proposal).await;
        official.approve(&proposal).await;
        a.push(proposal.id);
    }
    let mut c = Vec::new();
    for (i, cost) in [300_000, 200_000, 100_000].iter().enumerate() {
        let proposal = ProposalBuilder::new(&format!("Park {i}")).cost(*cost);
        let proposal = official.propose(&cumulative, proposal).await;
        official.approve(&proposal).await;
        c.push(proposal.id);
    }
    assert_eq!(official.move_cycle(&cycle, "review").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "voting").await.status, 200);

    let approve_of =
        |idx: &[usize]| -> Value { idx.iter().map(|&i| json!({"proposal_id": a[i]})).collect() };
    let points_of = |pts: &[(usize, u32)]| -> Value {
        pts.iter()
            .map(|&(i, p)| json!({"proposal_id": c[i], "points": p}))
            .collect()
    };
    let mut receipts = Vec::new();
    let mut replaced = String::new();
    let choices = [[0usize, 1].as_slice(), &[0, 2, 3], &[1, 2], &[3]];
    for (n, choice) in choices.iter().enumerate() {
        let voter = app
            .register_resident(&city, ResidentBuilder::adult(900 + n as u64))
            .await;
        if n == 0 {
            let first: CastReply = voter.cast(&approval, approve_of(&[2])).await.json_as();
            replaced = first.receipt;
        }
        let cast: CastReply = voter.cast(&approval, approve_of(choice)).await.json_as();
        receipts.push(cast.receipt);
        let points = points_of(&[(n % 3, 3), ((n + 1) % 3, 2)]);
        let cast: CastReply = voter.cast(&cumulative, points).await.json_as();
        receipts.push(cast.receipt);
    }
    let batch: Vec<Value> = [[0usize, 3].as_slice(), &[1]]
        .iter()
        .map(|c| json!({"selections": approve_of(c)}))
        .collect();
    official
        .post(
            &format!("/api/v1/budgets/{}/paper-ballots", approval.id),
            &json!({"polling_station": "Okul 7", "ballots": batch}),
        )
        .await
        .expect_status(201);
    Counted {
        app,
        cycle: cycle.id,
        budgets: [approval.id, cumulative.id],
        official,
        auditor,
        admin: city.admin,
        receipts,
        replaced,
    }
}

fn export_path(cycle: &str) -> String {
    format!("/api/v1/cycles/{cycle}/export")
}

async fn close_and_count(c: &Counted) {
    assert_eq!(c.official.move_cycle(&c.cycle, "closed").await.status, 200);
    for budget in &c.budgets {
        c.official.tally(budget).await;
    }
}

async fn download(c: &Counted, who: &Session) -> Vec<u8> {
    let response = who.get(&export_path(&c.cycle)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "application/gzip");
    let disposition = response.header("content-disposition").unwrap();
    // Named by the city, the cycle's name and the day (tests/api/exports.rs checks it whole).
    let day = chrono::Utc::now().date_naive();
    assert!(
        disposition.starts_with(&format!(
            "attachment; filename=\"izmir-people-s-budget-2027-{day}.tar.gz\""
        )),
        "{disposition}"
    );
    response.body
}

/// The archive's files in order, by path inside its folder.
fn unpack(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    tar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (path, content)
        })
        .collect()
}

/// The same archive with `path`'s content replaced by `change(content)`.
fn repack(archive: &[u8], path: &str, change: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut found = false;
    for (name, mut content) in unpack(archive) {
        if name.split_once('/').unwrap().1 == path {
            change(&mut content);
            found = true;
        }
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        out.append_data(&mut header, &name, content.as_slice())
            .unwrap();
    }
    assert!(found, "{path} is in the archive");
    out.into_inner().unwrap().finish().unwrap()
}

fn verify_cli(dir: &Path, archive: &[u8], key: Option<&str>) -> (bool, String) {
    let path = dir.join("archive.tar.gz");
    std::fs::write(&path, archive).unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kurultai"));
    command.arg("verify").arg(&path);
    if let Some(key) = key {
        command.args(["--key", key]);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), stdout)
}

/// `kurultai admin show-key` on the app's database and signing secret: (success, output).
fn show_key(app: &TestApp, slug: &str) -> (bool, String) {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kurultai"))
        .args(["admin", "show-key", "--municipality", slug])
        .env("DATABASE_URL", &app.database_url)
        .env("KURULTAI_SIGNING_SECRET", SIGNING_SECRET)
        .env("KURULTAI_DATA_DIR", data.path())
        .env("KURULTAI_LOG_FORMAT", "json")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn published_key(app: &TestApp, slug: &str) -> String {
    let keys: Keys = app
        .anonymous()
        .get(&format!("/api/v1/municipalities/{slug}/keys"))
        .await
        .json_as();
    assert_eq!(keys.municipality, slug);
    assert_eq!(keys.keys[0].algorithm, "Ed25519");
    assert_eq!(keys.keys[0].purpose, "cycle-archive");
    keys.keys[0].public_key.clone()
}

#[tokio::test]
async fn a_counted_cycle_exports_a_signed_archive_that_verifies_offline() {
    let c = counted_cycle().await;
    let app = &c.app;
    let platform = app.logged_in(None, PLATFORM_EMAIL, PASSWORD).await;
    let other_admin = app.municipality(platform.token(), "bursa", "TR").await;
    let other_official = app.session(&app.staff(&other_admin, "bursa", "official").await);
    let refused = |who: Session, status: u16| {
        let path = export_path(&c.cycle);
        async move {
            let response = who.get(&path).await;
            assert_eq!(response.status, status);
            response.problem()
        }
    };

    // Not before the close, not before every budget is counted, only for its own staff.
    let early = refused(c.auditor.clone(), 409).await;
    assert_eq!(early.code, "cycle_not_closed");
    assert_eq!(c.official.move_cycle(&c.cycle, "closed").await.status, 200);
    c.official.tally(&c.budgets[0]).await;
    let half = refused(c.auditor.clone(), 409).await;
    assert_eq!(half.code, "not_tallied");
    c.official.tally(&c.budgets[1]).await;
    let voter = app
        .register_resident("izmir", ResidentBuilder::adult(999))
        .await;
    refused(voter.session, 403).await;
    refused(c.admin.clone(), 403).await;
    refused(other_official, 404).await;
    refused(app.anonymous(), 401).await;
    assert_eq!(audit_actions(app, "cycle.exported").await, 0);

    // The key is public; unknown municipalities have none.
    let key = published_key(app, "izmir").await;
    let other_key = published_key(app, "bursa").await;
    assert_ne!(key, other_key);
    let missing = app
        .anonymous()
        .get("/api/v1/municipalities/nowhere/keys")
        .await;
    assert_eq!(missing.status, 404);
    let (ok, shown) = show_key(app, "izmir");
    assert!(ok, "{shown}");
    assert!(shown.contains(&format!("public_key: {key}\n")), "{shown}");
    let (ok, shown) = show_key(app, "nowhere");
    assert!(!ok && shown.contains("nowhere"), "{shown}");

    let archive = download(&c, &c.auditor).await;
    let files = unpack(&archive);
    let top = format!("kurultai-izmir-{}/", c.cycle);
    let paths: Vec<&str> = files
        .iter()
        .map(|(p, _)| p.strip_prefix(&top).expect("one folder"))
        .collect();
    let [a, b] = &c.budgets;
    let mut expected = Vec::new();
    for budget in [a, b] {
        expected.extend([
            format!("budgets/{budget}.pb"),
            format!("results/{budget}.json"),
            format!("results/{budget}.csv"),
            format!("results/{budget}.tally.json"),
            format!("receipts/{budget}.txt"),
        ]);
    }
    expected.extend(["audit-log.ndjson", "manifest.json", "manifest.sig"].map(String::from));
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    let mut sorted_paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    sorted_paths.sort();
    assert_eq!(sorted_paths, sorted_expected);
    assert_eq!(
        paths.last(),
        Some(&"manifest.sig"),
        "the manifest comes last"
    );
    let file = |name: &str| -> &[u8] {
        &files
            .iter()
            .find(|(p, _)| p.strip_prefix(&top) == Some(name))
            .unwrap()
            .1
    };

    // The manifest: every file's digest, the key, each budget's rule.
    let manifest: Value = serde_json::from_slice(file("manifest.json")).unwrap();
    assert_eq!(manifest["format"], "kurultai.archive/1");
    assert_eq!(manifest["municipality"]["slug"], "izmir");
    assert_eq!(manifest["cycle"]["id"], c.cycle.as_str());
    assert_eq!(manifest["cycle_status"], "closed");
    assert_eq!(manifest["signing_key"]["public_key"], key.as_str());
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), expected.len() - 2);
    for entry in listed {
        let content = file(entry["path"].as_str().unwrap());
        assert_eq!(entry["sha256"], hex::encode(Sha256::digest(content)));
        assert_eq!(entry["bytes"], content.len());
    }
    let budgets = manifest["budgets"].as_array().unwrap();
    assert_eq!(budgets[0]["rule"], "equal_shares");
    assert_eq!(budgets[0]["completion"], "add1");
    assert_eq!(
        budgets[0]["ballots_counted"], 6,
        "four online, two on paper"
    );
    assert_eq!(budgets[1]["rule"], "greedy");
    assert_eq!(budgets[1]["ballots_counted"], 4);

    // Receipts: the counted online ballots' codes, sorted; never the replaced one, never paper.
    let mut listed_receipts: Vec<String> = Vec::new();
    for budget in [a, b] {
        let text = String::from_utf8(file(&format!("receipts/{budget}.txt")).to_vec()).unwrap();
        let codes: Vec<String> = text.lines().map(String::from).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
        listed_receipts.extend(codes);
    }
    listed_receipts.sort();
    let mut receipts = c.receipts.clone();
    receipts.sort();
    assert_eq!(listed_receipts, receipts);
    assert!(!listed_receipts.contains(&c.replaced));

    // Results: JSON as the API shows it; CSV for spreadsheets, the same as results.csv.
    // Compared whole with the archive's copy: it stays JSON.
    let api_results: Value = c
        .official
        .get(&format!("/api/v1/budgets/{a}/results"))
        .await
        .json_as();
    let in_archive: Value = serde_json::from_slice(file(&format!("results/{a}.json"))).unwrap();
    assert_eq!(in_archive["selected"], api_results["selected"]);
    assert_eq!(in_archive["proposals"], api_results["proposals"]);
    assert!(!in_archive["tally"]["trace"].as_array().unwrap().is_empty());
    let csv = file(&format!("results/{a}.csv"));
    let results_csv = format!("/api/v1/budgets/{a}/results.csv");
    let response = c.auditor.get(&results_csv).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(response.body, csv);
    results_csv_reads_as_a_table(csv, &api_results);
    let public = app.anonymous().get(&results_csv).await;
    assert_eq!(public.status, 404, "not public before publication");

    // The export is in the audit log with the archive's digest.
    let records = audit_details(app, "cycle.exported").await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["sha256"], hex::encode(Sha256::digest(&archive)));
    assert_eq!(
        records[0]["manifest_sha256"],
        hex::encode(Sha256::digest(file("manifest.json")))
    );
    assert_eq!(records[0]["key_id"], manifest["signing_key"]["key_id"]);

    // `kurultai verify`: passes with the published key, passes with a note without one, fails
    // with another municipality's key.
    let dir = tempfile::tempdir().unwrap();
    let (passed, report) = verify_cli(dir.path(), &archive, Some(&key));
    assert!(passed, "{report}");
    assert!(report.contains("verified: every check holds"), "{report}");
    assert!(
        report.contains(&format!("ok    results/{a}.tally.json: equals the recount")),
        "{report}"
    );
    assert!(report.contains("hash chain intact"), "{report}");
    let (passed, report) = verify_cli(dir.path(), &archive, None);
    assert!(passed, "{report}");
    assert!(report.contains("note  manifest.sig"), "{report}");
    let (passed, report) = verify_cli(dir.path(), &archive, Some(&other_key));
    assert!(!passed, "{report}");
    assert!(report.contains("FAIL  manifest.sig"), "{report}");

    // Published: still exportable, and the CSV is public.
    assert_eq!(
        c.official.move_cycle(&c.cycle, "published").await.status,
        200
    );
    let again = download(&c, &c.official).await;
    let (passed, report) = verify_cli(dir.path(), &again, Some(&key));
    assert!(passed, "{report}");
    let public = app.anonymous().get(&results_csv).await;
    assert_eq!(public.status, 200);
    assert_eq!(audit_actions(app, "cycle.exported").await, 2);
}

/// The CSV has a BOM, a header, one row per proposal with the name and `yes`/`no`.
fn results_csv_reads_as_a_table(csv: &[u8], results: &Value) {
    let text = std::str::from_utf8(csv).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "proposal_id",
            "name",
            "cost",
            "currency",
            "votes",
            "score",
            "selected",
            "funded_order",
            "mes_round"
        ]
    );
    let rows: Vec<BTreeMap<String, String>> = reader.deserialize().map(|r| r.unwrap()).collect();
    let lines = results["proposals"].as_array().unwrap();
    assert_eq!(rows.len(), lines.len());
    let mut rounds = 0;
    for (row, line) in rows.iter().zip(lines) {
        assert_eq!(row["proposal_id"], line["proposal_id"].as_str().unwrap());
        assert!(row["name"].starts_with("Kütüphane"), "{row:?}");
        assert_eq!(row["currency"], "TRY");
        assert_eq!(row["votes"], line["votes"].to_string());
        let selected = line["selected"].as_bool().unwrap();
        assert_eq!(row["selected"], if selected { "yes" } else { "no" });
        let cost = kurultai::tally::Decimal::parse(&row["cost"]).unwrap();
        assert_eq!(
            cost.at_scale(2),
            Some(line["cost_minor"].as_i64().unwrap().into())
        );
        if !row["mes_round"].is_empty() {
            assert!(selected, "only funded proposals have a round");
            rounds += 1;
        }
    }
    assert!(rounds > 0, "Equal Shares rounds are named");
}

/// The failures of `kurultai verify` on `archive`, as (file, message).
fn failures(archive: &[u8], key: &kurultai::archive::PublicKey) -> Vec<(String, String)> {
    let report = kurultai::archive::verify::verify(archive, Some(key));
    report
        .failures()
        .map(|f| (f.subject.clone(), f.message.clone()))
        .collect()
}

#[tokio::test]
async fn kurultai_verify_names_each_file_that_was_changed() {
    let c = counted_cycle().await;
    close_and_count(&c).await;
    let archive = download(&c, &c.auditor).await;
    let key = kurultai::archive::PublicKey::parse(&published_key(&c.app, "izmir").await).unwrap();
    assert_eq!(failures(&archive, &key), [], "the archive as served");
    let [a, b] = &c.budgets;

    // One byte flipped in the middle of each kind of file.
    let flip = |content: &mut Vec<u8>| {
        let middle = content.len() / 2;
        content[middle] ^= 0x01;
    };
    for path in [
        format!("budgets/{a}.pb"),
        format!("results/{b}.json"),
        format!("results/{a}.csv"),
        format!("results/{b}.tally.json"),
        format!("receipts/{a}.txt"),
        "audit-log.ndjson".to_string(),
        "manifest.sig".to_string(),
    ] {
        let found = failures(&repack(&archive, &path, flip), &key);
        assert!(
            found.iter().any(|(subject, _)| *subject == path),
            "a changed {path} is caught by name: {found:?}"
        );
    }
    // The manifest: either it no longer reads, or its signature no longer holds.
    let found = failures(&repack(&archive, "manifest.json", flip), &key);
    assert!(
        found
            .iter()
            .any(|(s, m)| s == "manifest.json" || m.contains("manifest.json")),
        "{found:?}"
    );

    // A file removed, or one slipped in, is caught too.
    let found = failures(
        &repack(&archive, &format!("receipts/{b}.txt"), |content| {
            content.extend_from_slice(b"00000-00000-00000-00000\n")
        }),
        &key,
    );
    assert!(
        found.iter().any(|(s, _)| *s == format!("receipts/{b}.txt")),
        "{found:?}"
    );

    // Someone holding the signing key forges a result and re-signs the manifest: the digests
    // and the signature hold, but the recount and the audit log do not agree.
    let path = format!("results/{a}.tally.json");
    let forged = forge(&archive, &path, |tally| {
        let selected = tally["selected"].as_array_mut().unwrap();
        selected.pop().expect("something was funded");
    });
    let found = failures(&forged, &key);
    assert!(
        found
            .iter()
            .any(|(s, m)| *s == path && m.contains("the recount funds")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(s, m)| *s == path && m.contains("audit log")),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "nothing else: {found:?}");
}

/// Changes a JSON file, fixes its digest in the manifest and signs the manifest again with the
/// municipality's real key (derived here from the test's signing secret).
fn forge(archive: &[u8], path: &str, change: impl Fn(&mut Value)) -> Vec<u8> {
    forge_bytes(archive, path, |original| {
        let mut value: Value = serde_json::from_slice(original).unwrap();
        change(&mut value);
        *original = serde_json::to_vec(&value).unwrap();
    })
}

/// Changes any file, fixes its digest in the manifest and signs the manifest again (see
/// [`forge`]).
fn forge_bytes(archive: &[u8], path: &str, change: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let files = unpack(archive);
    let (_, original) = files
        .iter()
        .find(|(p, _)| p.ends_with(&format!("/{path}")))
        .unwrap();
    let mut forged = original.clone();
    change(&mut forged);
    let digest = hex::encode(Sha256::digest(&forged));
    let (_, manifest) = files
        .iter()
        .find(|(p, _)| p.ends_with("/manifest.json"))
        .unwrap();
    let mut manifest: Value = serde_json::from_slice(manifest).unwrap();
    for entry in manifest["files"].as_array_mut().unwrap() {
        if entry["path"] == path {
            entry["sha256"] = json!(digest);
            entry["bytes"] = json!(forged.len());
        }
    }
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    let municipality = manifest["municipality"]["id"].as_str().unwrap();
    let keys = kurultai::archive::ArchiveKeys::new(hex::decode(SIGNING_SECRET).unwrap());
    let signature = keys.for_municipality(municipality).sign(&manifest_bytes);
    let archive = repack(archive, path, |c| *c = forged.clone());
    let archive = repack(&archive, "manifest.json", |c| *c = manifest_bytes.clone());
    repack(&archive, "manifest.sig", |c| {
        *c = signature.clone().into_bytes()
    })
}

/// Issue 15, finding 1: the archive signed a `.pb` whose META said `max_sum_points` while a vote
/// held two times `i64::MAX` and 12 (a wrapped i64 sum had let it in), and `kurultai verify`
/// passed it, because a recount agrees with any ballots. Here the operator, holding the key,
/// puts that ballot in the cumulative budget's file (whose ballot had no per-project maximum in
/// the finding, so `max_points` goes too) and signs again: verify names the file and the line.
#[tokio::test]
async fn an_archive_holding_a_ballot_beyond_its_declared_rules_fails_verify() {
    let c = counted_cycle().await;
    close_and_count(&c).await;
    let archive = download(&c, &c.auditor).await;
    let key = kurultai::archive::PublicKey::parse(&published_key(&c.app, "izmir").await).unwrap();
    let path = format!("budgets/{}.pb", c.budgets[1]);
    let pb = unpack(&archive)
        .into_iter()
        .find(|(p, _)| p.ends_with(&path))
        .map(|(_, content)| String::from_utf8(content).unwrap())
        .unwrap();
    let (text, line) = with_wrapping_vote(&pb);
    let forged = forge_bytes(&archive, &path, |c| *c = text.clone().into_bytes());
    let found = failures(&forged, &key);
    let wanted = format!("line {line}: vote of voter");
    assert!(
        found.iter().any(|(s, m)| *s == path
            && m.contains(&wanted)
            && m.contains("18446744073709551626 points in all, more than max_sum_points 5")),
        "{found:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (passed, out) = verify_cli(dir.path(), &forged, None);
    assert!(!passed, "{out}");
    assert!(
        out.contains(&format!("FAIL  {path}: invalid vote: {wanted}")),
        "{out}"
    );
}

/// The `.pb` text with its first vote replaced by finding 1's ballot (every project; points
/// `i64::MAX`, `i64::MAX`, 12) and no `max_points` in META; and the 1-based line of that vote.
fn with_wrapping_vote(pb: &str) -> (String, usize) {
    let mut lines: Vec<String> = pb
        .lines()
        .filter(|l| !l.starts_with("max_points;"))
        .map(String::from)
        .collect();
    let at = |title: &str| lines.iter().position(|l| l == title).unwrap();
    let (projects, votes) = (at("PROJECTS"), at("VOTES"));
    let ids: Vec<String> = lines[projects + 2..votes]
        .iter()
        .map(|l| l.split(';').next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{pb}");
    let header: Vec<&str> = lines[votes + 1].split(';').collect();
    let row = votes + 2;
    let mut cells: Vec<String> = lines[row].split(';').map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    cells[col("vote")] = format!("\"{}\"", ids.join(","));
    cells[col("points")] = format!("\"{0},{0},12\"", i64::MAX);
    lines[row] = cells.join(";");
    (lines.join("\n") + "\n", row + 1)
}
