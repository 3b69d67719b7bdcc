//! The typed client's entry points on `TestApp`: sessions, logins, and the set-up every test
//! starts with (a municipality, its staff, residents, a budget in voting), each the real
//! requests, returning records decoded from the real answers.

use serde_json::{json, Value};

use super::builders::{MunicipalityBuilder, ProposalBuilder, ResidentBuilder};
use super::model::{Budget, Cycle, Proposal, Role, Slug};
use super::reply::Reply;
use super::session::Session;
use crate::helpers::{TestApp, PASSWORD, PLATFORM_EMAIL};

/// A municipality made for the test, with its first admin logged in.
#[derive(Clone)]
pub struct City {
    pub slug: String,
    pub admin: Session,
}

impl Slug for City {
    fn slug(&self) -> &str {
        &self.slug
    }
}

/// A registered resident, logged in; it is a `Session` for everything it sends.
#[derive(Clone)]
pub struct Resident {
    pub session: Session,
    pub email: String,
    pub national_id: String,
}

impl std::ops::Deref for Resident {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

/// A cycle in voting with one budget and its approved proposals, in the order of their costs.
pub struct Voting {
    pub cycle: Cycle,
    pub budget: Budget,
    pub proposals: Vec<Proposal>,
}

impl Voting {
    pub fn proposal_ids(&self) -> Vec<String> {
        self.proposals.iter().map(|p| p.id.clone()).collect()
    }
}

impl TestApp {
    pub fn anonymous(&self) -> Session {
        Session {
            client: self.client.clone(),
            address: self.address.clone(),
            token: None,
        }
    }

    /// A session for a token a test already holds.
    pub fn session(&self, token: &str) -> Session {
        Session {
            token: Some(token.to_string()),
            ..self.anonymous()
        }
    }

    /// A login attempt; the answer is the test's to check.
    pub async fn attempt_login(
        &self,
        municipality: Option<&str>,
        login: &str,
        password: &str,
    ) -> Reply {
        let body = json!({"municipality": municipality, "login": login, "password": password});
        self.anonymous().post("/api/v1/auth/login", &body).await
    }

    /// A login of the platform admin with `password`, sent as if through a proxy from
    /// `address` (`X-Forwarded-For`: the app must trust it); the answer is the test's to check.
    pub async fn login_from(&self, address: &str, password: &str) -> Reply {
        let anyone = self.anonymous();
        let request = anyone
            .request(reqwest::Method::POST, "/api/v1/auth/login")
            .header("X-Forwarded-For", address)
            .json(&json!({"login": PLATFORM_EMAIL, "password": password}));
        anyone.exchange(request).await
    }

    /// Logs in and fails the test unless the login succeeds.
    pub async fn logged_in(
        &self,
        municipality: Option<&str>,
        login: &str,
        password: &str,
    ) -> Session {
        self.session(&self.login(municipality, login, password).await)
    }

    /// The platform admin, created on first use.
    pub async fn platform_admin(&self) -> Session {
        self.session(&self.platform_admin_token().await)
    }

    /// Creates the municipality as the platform admin, logs its first admin in, and applies
    /// the builder's settings.
    pub async fn create_municipality(&self, city: MunicipalityBuilder) -> City {
        let platform = self.platform_admin_token().await;
        let admin = self.session(
            &self
                .municipality(&platform, &city.slug, &city.country)
                .await,
        );
        if let Some(settings) = &city.settings {
            admin.update_settings(&city.slug, settings).await;
        }
        City {
            slug: city.slug,
            admin,
        }
    }

    /// Creates a staff account of `role` (`<role>@<slug>.example`) and logs it in.
    pub async fn staff_login(&self, city: &City, role: Role) -> Session {
        self.session(
            &self
                .staff(city.admin.token(), &city.slug, role.as_str())
                .await,
        )
    }

    /// Registers a resident (verified at once when registration is open) and logs them in.
    pub async fn register_resident(
        &self,
        city: &(impl Slug + ?Sized),
        resident: ResidentBuilder,
    ) -> Resident {
        let slug = city.slug();
        let email = resident.email(slug);
        let national_id = resident.national_id();
        let path = format!("/api/v1/municipalities/{slug}/residents");
        self.anonymous()
            .post(&path, &resident.body(slug))
            .await
            .expect_status(201);
        Resident {
            session: self.session(&self.login(Some(slug), &email, PASSWORD).await),
            email,
            national_id,
        }
    }

    /// A new cycle taken to voting with one budget and a proposal, approved, per cost.
    pub async fn open_voting(
        &self,
        city: &(impl Slug + ?Sized),
        official: &Session,
        budget: impl Into<Value>,
        costs: &[i64],
    ) -> Voting {
        self.voting(city, official, budget, costs, None).await
    }

    /// As [`Self::open_voting`], with the cycle's voting scheduled to close at `close`.
    pub async fn open_voting_closing_at(
        &self,
        city: &(impl Slug + ?Sized),
        official: &Session,
        budget: impl Into<Value>,
        costs: &[i64],
        close: chrono::DateTime<chrono::Utc>,
    ) -> Voting {
        self.voting(city, official, budget, costs, Some(close))
            .await
    }

    async fn voting(
        &self,
        city: &(impl Slug + ?Sized),
        official: &Session,
        budget: impl Into<Value>,
        costs: &[i64],
        close: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Voting {
        let cycle = official.create_cycle(city).await;
        if let Some(close) = close {
            let at = close.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            official
                .patch(
                    &format!("/api/v1/cycles/{}", cycle.id),
                    &json!({ "voting_closes_at": at }),
                )
                .await
                .expect_status(200);
        }
        let budget = official.create_budget(&cycle, budget).await;
        official.advance(&cycle, "submission").await;
        let mut proposals = Vec::new();
        for (i, cost) in costs.iter().enumerate() {
            let proposal = official
                .propose(&budget, ProposalBuilder::new(&format!("P{i}")).cost(*cost))
                .await;
            official.approve(&proposal).await;
            proposals.push(proposal);
        }
        official.advance(&cycle, "review").await;
        official.advance(&cycle, "voting").await;
        Voting {
            cycle,
            budget,
            proposals,
        }
    }
}
