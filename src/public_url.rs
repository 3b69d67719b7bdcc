//! The address residents reach the service at: the base of every link it e-mails and of the
//! redirect an identity provider sends people back to. A wrong one breaks links silently,
//! days later, in someone's inbox, so it is checked when the service starts.
//!
//! Production must name it: behind a proxy, the address the service binds (`0.0.0.0:8080`)
//! is not one anybody can reach. It must be `https`, except on a loopback host (a trial or
//! load run on one machine). Development and tests default to the bound address.

use std::net::SocketAddr;

use reqwest::Url;

use crate::config::{Environment, Settings};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PublicUrlError {
    #[error("public_url is not set: in production set KURULTAI_PUBLIC_URL to the address residents reach (https://…)")]
    Missing,
    #[error("public_url {0:?} is not an http(s) address without user, query or fragment")]
    Malformed(String),
    #[error(
        "public_url {0:?} must use https in production (links carry sign-in and reset tokens)"
    )]
    NotHttps(String),
}

/// The configured address, checked and without a trailing `/`; `None` when it is unset in
/// development (the caller then uses the bound address, see [`from_bound`]).
pub fn check(settings: &Settings) -> Result<Option<String>, PublicUrlError> {
    let Some(configured) = settings.public_url.as_deref() else {
        return match settings.env {
            Environment::Production => Err(PublicUrlError::Missing),
            _ => Ok(None),
        };
    };
    let malformed = || PublicUrlError::Malformed(configured.to_string());
    let url = Url::parse(configured).map_err(|_| malformed())?;
    let plain = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.host_str().is_some();
    if !matches!(url.scheme(), "http" | "https") || !plain {
        return Err(malformed());
    }
    if settings.env == Environment::Production && url.scheme() != "https" && !is_loopback(&url) {
        return Err(PublicUrlError::NotHttps(configured.to_string()));
    }
    Ok(Some(url.as_str().trim_end_matches('/').to_string()))
}

/// The address a development service or a test bound, as its public address.
pub fn from_bound(bound: SocketAddr) -> String {
    format!("http://{bound}")
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(env: Environment, url: Option<&str>) -> Settings {
        Settings {
            env,
            public_url: url.map(str::to_string),
            ..Settings::default()
        }
    }

    #[test]
    fn production_must_name_an_https_address() {
        use Environment::Production;
        assert_eq!(
            check(&settings(Production, None)),
            Err(PublicUrlError::Missing)
        );
        assert_eq!(
            check(&settings(Production, Some("http://pb.example.city"))),
            Err(PublicUrlError::NotHttps("http://pb.example.city".into()))
        );
        assert_eq!(
            check(&settings(Production, Some("https://pb.example.city/"))),
            Ok(Some("https://pb.example.city".into()))
        );
        assert_eq!(
            check(&settings(Production, Some("http://127.0.0.1:8080"))),
            Ok(Some("http://127.0.0.1:8080".into()))
        );
    }

    #[test]
    fn development_defaults_to_the_bound_address() {
        assert_eq!(check(&settings(Environment::Development, None)), Ok(None));
        assert_eq!(
            from_bound("127.0.0.1:8080".parse().unwrap()),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn a_malformed_address_is_refused_in_any_environment() {
        for bad in [
            "pb.example.city",
            "ftp://pb.example.city",
            "https://user:pw@pb.example.city",
            "https://pb.example.city/?next=x",
            "https://pb.example.city/#top",
            "",
        ] {
            assert!(
                matches!(
                    check(&settings(Environment::Development, Some(bad))),
                    Err(PublicUrlError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
