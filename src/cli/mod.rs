//! The command line: `serve` (the default), `migrate`, `admin …`, `openapi`, `tally`, `verify`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

pub mod tally;

#[derive(Debug, Parser)]
#[command(
    name = "kurultai",
    version,
    about = "Participatory budgeting for the Turkic states"
)]
pub struct Cli {
    /// A TOML configuration file (default: $KURULTAI_CONFIG, else ./kurultai.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Bootstrap and maintenance for operators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the OpenAPI document (YAML).
    Openapi,
    /// Count a Pabulib `.pb` election.
    Tally(tally::TallyArgs),
    /// Check a cycle archive (`GET /cycles/{id}/export`) without the service: its signature,
    /// every file's SHA-256, every budget recounted, the audit log's hash chain. Exit status 0
    /// only when every check holds, 1 when one fails, 2 when the key cannot be read.
    Verify {
        /// The `.tar.gz` archive.
        archive: PathBuf,
        /// The municipality's published public key (base64, from
        /// `GET /municipalities/{slug}/keys` or `kurultai admin show-key`).
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a platform admin. The password is read from standard input (or a prompt on a
    /// terminal), never from the command line, where it would show in `ps` and shell history.
    CreatePlatformAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Platform admin")]
        name: String,
    },
    /// Print the public key that signs a municipality's cycle archives.
    ShowKey {
        /// The municipality's slug.
        #[arg(long)]
        municipality: String,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Tally(args)) => tally::run(&args),
        Some(Command::Verify { archive, key }) => verify(&archive, key.as_deref()),
        Some(Command::Openapi) => {
            print!("{}", crate::openapi::yaml());
            ExitCode::SUCCESS
        }
        command => with_settings(cli.config, |settings| match command {
            None | Some(Command::Serve) => serve(settings),
            Some(Command::Migrate) => migrate(settings),
            Some(Command::Admin(AdminCommand::CreatePlatformAdmin { email, name })) => {
                create_platform_admin(settings, &email, &name)
            }
            Some(Command::Admin(AdminCommand::ShowKey { municipality })) => {
                show_key(settings, &municipality)
            }
            Some(Command::Tally(_)) | Some(Command::Openapi) | Some(Command::Verify { .. }) => {
                unreachable!("handled above")
            }
        }),
    }
}

fn with_settings(
    file: Option<PathBuf>,
    f: impl FnOnce(Settings) -> Result<(), String>,
) -> ExitCode {
    let settings = match Settings::load(file.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("kurultai: {err}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(settings.log_format);
    match f(settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kurultai: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let app = crate::startup::Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn migrate(settings: Settings) -> Result<(), String> {
    let db = crate::db::Db::connect(&settings.database_url(), 1).map_err(|e| e.to_string())?;
    let applied = db.migrate().map_err(|e| e.to_string())?;
    println!("applied {} migration(s)", applied.len());
    for name in applied {
        println!("  {name}");
    }
    Ok(())
}

fn create_platform_admin(settings: Settings, email: &str, name: &str) -> Result<(), String> {
    let password = read_password()?;
    actix_web::rt::System::new().block_on(async move {
        let db = crate::startup::open_database(&settings)
            .await
            .map_err(|e| e.to_string())?;
        let account = crate::service::accounts::create_platform_admin(&db, email, name, password)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "created platform admin {} ({})",
            account.email.unwrap_or_default(),
            account.id
        );
        Ok(())
    })
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords differ".into());
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn verify(archive: &std::path::Path, key: Option<&str>) -> ExitCode {
    let key = match key.map(crate::archive::PublicKey::parse).transpose() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("kurultai verify: --key: {e}");
            return ExitCode::from(2);
        }
    };
    let file = match std::fs::File::open(archive) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("kurultai verify: {}: {e}", archive.display());
            return ExitCode::from(2);
        }
    };
    let report = crate::archive::verify::verify(std::io::BufReader::new(file), key.as_ref());
    print!("{}", report.render());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn show_key(settings: Settings, slug: &str) -> Result<(), String> {
    let secrets = crate::secrets::Secrets::resolve(&settings).map_err(|e| e.to_string())?;
    let db = crate::db::Db::connect(&settings.database_url(), 1).map_err(|e| e.to_string())?;
    let slug_owned = slug.to_string();
    let municipality = actix_web::rt::System::new()
        .block_on(crate::service::directory::municipality(&db, slug_owned))
        .map_err(|e| format!("municipality {slug}: {}", e.detail()))?;
    let keys = crate::archive::ArchiveKeys::new(secrets.signing_secret);
    let public = keys.for_municipality(&municipality.id).public();
    println!("municipality: {}", municipality.slug);
    println!("algorithm: Ed25519");
    println!("key_id: {}", public.key_id());
    println!("public_key: {}", public.to_base64());
    Ok(())
}
