//! The `kurultai` binary as an operator uses it on a fresh machine.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kurultai");

/// A command in an empty working directory with none of our environment.
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

#[test]
fn serve_starts_on_sqlite_with_generated_secrets_that_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = kurultai(dir.path())
        .arg("serve")
        .env("KURULTAI_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "debug")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
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
    let port = port.unwrap_or_else(|| panic!("no listening line in {log:#?}"));
    let health = std::net::TcpStream::connect(("127.0.0.1", port))
        .and_then(|mut s| {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
            let mut text = String::new();
            std::io::Read::read_to_string(&mut s, &mut text)?;
            Ok(text)
        })
        .unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    let _ = child.wait();
    while let Ok(line) = rx.try_recv() {
        log.push(line);
    }
    let log = log.join("\n");

    assert!(dir.path().join("data/kurultai.db").exists());
    assert!(log.contains("generated a development secret"), "{log}");
    for secret in ["jwt_secret", "id_pepper", "signing_secret"] {
        let value = std::fs::read_to_string(dir.path().join("data/secrets").join(secret)).unwrap();
        assert!(!log.contains(value.trim()), "{secret} leaked into the log");
    }
}

#[test]
fn production_without_secrets_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = kurultai(dir.path())
        .arg("serve")
        .env("KURULTAI_ENV", "production")
        .env("KURULTAI_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("KURULTAI_JWT_SECRET"), "{stderr}");
}

#[test]
fn production_without_a_public_address_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let serve = |public_url: Option<&str>| {
        let mut command = kurultai(dir.path());
        command
            .arg("serve")
            .env("KURULTAI_ENV", "production")
            .env("KURULTAI_BIND", "127.0.0.1:0")
            .env("KURULTAI_JWT_SECRET", secret)
            .env("KURULTAI_ID_PEPPER", secret)
            .env("KURULTAI_SIGNING_SECRET", secret)
            .env("KURULTAI_MAIL__TRANSPORT", "none");
        if let Some(url) = public_url {
            command.env("KURULTAI_PUBLIC_URL", url);
        }
        command.output().unwrap()
    };
    for (url, expected) in [
        (None, "KURULTAI_PUBLIC_URL"),
        (Some("http://pb.example.city"), "must use https"),
    ] {
        let output = serve(url);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{url:?}: {stderr}");
    }
}

#[test]
fn migrate_then_create_a_platform_admin_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = kurultai(dir.path()).arg("migrate").output().unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let out = String::from_utf8_lossy(&migrate.stdout);
    assert!(
        out.contains("migration(s)") && !out.contains("applied 0"),
        "{out}"
    );

    let run = |password: &str| {
        let mut child = kurultai(dir.path())
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
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run("password");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let ok = run("a long and unusual passphrase");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("root@city.example"));

    let again = run("a long and unusual passphrase");
    assert!(!again.status.success(), "the same e-mail twice must fail");
}

#[test]
fn openapi_prints_the_committed_document() {
    let dir = tempfile::tempdir().unwrap();
    let output = kurultai(dir.path()).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}
