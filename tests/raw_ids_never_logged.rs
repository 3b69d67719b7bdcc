//! The real binary, logging at `debug`, never writes a national ID: registrations (good and
//! bad), logins by ID (right and wrong password, malformed IDs), a voter-roll upload.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

// The one reader of the mail the app sends (here the `file` transport's, development's default).
#[allow(dead_code)]
#[path = "api/support/inbox.rs"]
mod inbox;

const BIN: &str = env!("CARGO_BIN_EXE_kurultai");
const PASSWORD: &str = "a long and unusual passphrase";

fn kurultai(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).env_remove("DATABASE_URL");
    for (key, _) in std::env::vars() {
        if key.starts_with("KURULTAI_") {
            command.env_remove(key);
        }
    }
    command
}

/// Every line the child writes to stdout and stderr.
fn capture(child: &mut Child) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx2.send(line);
        }
    });
    rx
}

/// The IDs used below: (country, as typed, normalised, birth date).
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("TR", "100 000 001 46", "10000000146", "1990-01-01"),
    ("KZ", "900101-300017", "900101300017", "1990-01-01"),
    ("HU", "8414381235", "8414381235", "1980-06-15"),
    ("AZ", "5gxm4dz", "5GXM4DZ", "1985-03-03"),
];

#[tokio::test]
async fn national_ids_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut admin = kurultai(dir.path())
        .args([
            "admin",
            "create-platform-admin",
            "--email",
            "root@city.example",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(admin.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let created = admin.wait_with_output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let mut child = kurultai(dir.path())
        .arg("serve")
        .env("KURULTAI_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "debug")
        // Every scheme's registrations come from this one address.
        .env("KURULTAI_RATE_LIMIT__REGISTRATION_PER_IP_PER_HOUR", "1000")
        .env("KURULTAI_RATE_LIMIT__REGISTRATION_PER_IP_BURST", "1000")
        .env("KURULTAI_RATE_LIMIT__REGISTRATION_PER_ID_BURST", "1000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = capture(&mut child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = Vec::new();
    let mut port = None;
    while port.is_none() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if line.contains("Kurultai listening") {
                port = line
                    .split("127.0.0.1:")
                    .nth(1)
                    .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|p| p.parse::<u16>().ok());
            }
            log.push(line);
        }
    }
    let port = port.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("no listening line in {log:#?}")
    });
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    let post = |path: String, token: Option<String>, body: Value| {
        let mut request = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap() }
    };
    let login = |municipality: Option<&str>, login: &str, password: &str| {
        post(
            "/auth/login".into(),
            None,
            json!({"municipality": municipality, "login": login, "password": password}),
        )
    };

    let root: Value = login(None, "root@city.example", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let root = root["access_token"].as_str().unwrap().to_string();
    for (i, (country, typed, normalised, birth)) in PEOPLE.iter().enumerate() {
        let slug = format!("town{i}");
        let response = post(
            "/municipalities".into(),
            Some(root.clone()),
            json!({"slug": slug, "country": country, "names": {"en": "Town"},
                   "languages": ["en"], "default_language": "en", "registration_policy": "roll",
                   "admin": {"email": format!("admin@{slug}.example"), "display_name": "Admin"}}),
        )
        .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        // The first admin sets their password through the invitation, mailed to `data/mail`.
        let mail = dir.path().join("data").join("mail");
        let email = format!("admin@{slug}.example");
        let token = inbox::invitation_token(&mail, &email, Duration::from_secs(10)).await;
        let accepted = post(
            "/auth/invitation".into(),
            None,
            json!({"token": token, "password": PASSWORD}),
        )
        .await;
        assert_eq!(accepted.status(), 204);
        let admin: Value = login(Some(&slug), &format!("admin@{slug}.example"), PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let admin = admin["access_token"].as_str().unwrap().to_string();

        // A roll with a bad line (refused), then a good one.
        for csv in [
            format!("national_id,birth_date\n{typed},{birth}\n{typed}x,{birth}\n"),
            format!("national_id,birth_date\n{typed},{birth}\n"),
        ] {
            let response = client
                .post(format!("{base}/municipalities/{slug}/voter-roll"))
                .bearer_auth(&admin)
                .header("Content-Type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
            assert!(response.status() == 200 || response.status() == 422);
        }

        let person = |id: &str, birth: &str| {
            json!({"national_id": id, "full_name": "Resident", "birth_date": birth,
                   "password": PASSWORD})
        };
        let path = format!("/municipalities/{slug}/residents");
        let response = post(path.clone(), None, person(typed, birth)).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        // A duplicate, a mistyped ID and a wrong birth date.
        assert_eq!(
            post(path.clone(), None, person(normalised, birth))
                .await
                .status(),
            409
        );
        let typo = format!("{}9", &normalised[..normalised.len() - 1]);
        post(path.clone(), None, person(&typo, birth)).await;
        post(path.clone(), None, person(typed, "1970-01-01")).await;

        assert_eq!(login(Some(&slug), typed, PASSWORD).await.status(), 200);
        assert_eq!(
            login(Some(&slug), normalised, "wrong password!!")
                .await
                .status(),
            401
        );
        assert_eq!(
            login(Some(&slug), &typo, "wrong password!!").await.status(),
            401
        );
    }

    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    let _ = child.wait();
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        log.push(line);
    }
    let log = log.join("\n");
    assert!(
        log.contains("/residents"),
        "requests should be logged: {log}"
    );
    for (_, typed, normalised, _) in PEOPLE {
        for spelling in [*typed, *normalised, &normalised.to_lowercase()] {
            assert!(!log.contains(spelling), "a national ID reached the log");
        }
    }
}
