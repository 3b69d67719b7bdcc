//! The command line: `serve` (the default), `migrate`, `admin …`, `openapi`, `tally`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

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
    Tally(crate::tally::cli::TallyArgs),
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
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Tally(args)) => crate::tally::cli::run(&args),
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
            Some(Command::Tally(_)) | Some(Command::Openapi) => unreachable!("handled above"),
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
            .map_err(|e| format!("{}: {}", e.code(), e.problem().detail))?;
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
