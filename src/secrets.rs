//! Server secrets: the access-token key(s), the national-ID pepper and the secret the
//! municipalities' archive signing keys are derived from.
//!
//! In production they must come from the configuration (usually the environment, from a
//! secret store); a missing one stops start-up. In development they are generated once and
//! kept under `<data_dir>/secrets/` so that tokens and ID hashes survive restarts. Values are
//! never logged: only which secret was generated, and where.

use std::fs;
use std::io::Write;
use std::path::Path;

use rand::RngCore;

use crate::config::{Environment, Secret, Settings};

/// Key material, decoded. Deliberately no `Debug`.
pub struct Secrets {
    pub jwt_current: Vec<u8>,
    pub jwt_previous: Vec<Vec<u8>>,
    pub id_pepper: Vec<u8>,
    pub signing_secret: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{name} is not set; in production set {env} (at least 32 random bytes, hex encoded)")]
    Missing {
        name: &'static str,
        env: &'static str,
    },
    #[error("{name} is too short: it needs at least 32 bytes")]
    TooShort { name: &'static str },
    #[error("cannot keep the development secret {name} in {path}: {source}")]
    Io {
        name: &'static str,
        path: String,
        source: std::io::Error,
    },
}

const MIN_SECRET_BYTES: usize = 32;

impl Secrets {
    pub fn resolve(settings: &Settings) -> Result<Self, SecretsError> {
        let jwt_current = resolve_one(
            settings,
            settings.jwt_secret.as_ref(),
            "jwt_secret",
            "KURULTAI_JWT_SECRET",
        )?;
        let id_pepper = resolve_one(
            settings,
            settings.id_pepper.as_ref(),
            "id_pepper",
            "KURULTAI_ID_PEPPER",
        )?;
        let signing_secret = resolve_one(
            settings,
            settings.signing_secret.as_ref(),
            "signing_secret",
            "KURULTAI_SIGNING_SECRET",
        )?;
        let jwt_previous = settings
            .jwt_previous_secrets
            .as_ref()
            .map(|s| {
                s.expose()
                    .split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(|k| decode("jwt_previous_secrets", k))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            jwt_current,
            jwt_previous,
            id_pepper,
            signing_secret,
        })
    }
}

fn resolve_one(
    settings: &Settings,
    configured: Option<&Secret>,
    name: &'static str,
    env: &'static str,
) -> Result<Vec<u8>, SecretsError> {
    if let Some(secret) = configured {
        return decode(name, secret.expose());
    }
    if settings.env == Environment::Production {
        return Err(SecretsError::Missing { name, env });
    }
    load_or_generate(&settings.data_dir.join("secrets"), name)
}

/// Accepts hex (the generated form) or any text of at least 32 bytes.
fn decode(name: &'static str, value: &str) -> Result<Vec<u8>, SecretsError> {
    let bytes = hex::decode(value.trim()).unwrap_or_else(|_| value.as_bytes().to_vec());
    if bytes.len() < MIN_SECRET_BYTES {
        return Err(SecretsError::TooShort { name });
    }
    Ok(bytes)
}

fn load_or_generate(dir: &Path, name: &'static str) -> Result<Vec<u8>, SecretsError> {
    let path = dir.join(name);
    let io_err = |source| SecretsError::Io {
        name,
        path: path.display().to_string(),
        source,
    };
    if let Ok(existing) = fs::read_to_string(&path) {
        return decode(name, &existing);
    }
    fs::create_dir_all(dir).map_err(io_err)?;
    let mut bytes = vec![0u8; MIN_SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    write_private(&path, hex::encode(&bytes).as_bytes()).map_err(io_err)?;
    tracing::warn!(
        secret = name,
        path = %path.display(),
        "generated a development secret; set KURULTAI_ENV=production and provide secrets in real deployments"
    );
    Ok(bytes)
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_without_secrets_refuses_to_start() {
        let settings = Settings {
            env: Environment::Production,
            ..Settings::default()
        };
        let err = Secrets::resolve(&settings).err().unwrap();
        assert!(err.to_string().contains("KURULTAI_JWT_SECRET"));
    }

    #[test]
    fn development_secrets_are_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let first = Secrets::resolve(&settings).unwrap();
        let second = Secrets::resolve(&settings).unwrap();
        assert_eq!(first.jwt_current, second.jwt_current);
        assert_eq!(first.id_pepper, second.id_pepper);
        assert_ne!(first.jwt_current, first.id_pepper);
    }

    #[test]
    fn short_configured_secret_is_refused() {
        let settings = Settings {
            jwt_secret: Some(Secret::new("short")),
            ..Settings::default()
        };
        assert!(matches!(
            Secrets::resolve(&settings),
            Err(SecretsError::TooShort { .. })
        ));
    }
}
