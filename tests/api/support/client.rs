//! A typed client over the real HTTP app. Every call is the request a user would send; what
//! comes back is decoded into `model` types, and an unexpected status fails the test with the
//! method, path, status and body, so a failure says what went wrong without a debugger.
//! `Session::get`/`post`/… and `Reply` stay open for the tests that look at raw answers and
//! error shapes.

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::builders::{
    BudgetBuilder, MunicipalityBuilder, ProposalBuilder, ResidentBuilder, DEFAULT_CYCLE_NAME,
};
use super::model::{
    Budget, CastReply, Cycle, District, Id, Problem, Proposal, Role, Slug, TallyReply,
};
use crate::helpers::{TestApp, PASSWORD};

/// One answer, read whole: its status, headers and body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    request: String,
}

impl Reply {
    async fn read(request: String, response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("a response body").to_vec();
        Reply {
            status,
            headers,
            body,
            request,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as untyped JSON, whatever the status.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.request, self.text()))
    }

    /// Fails the test unless the status is `status`; the message carries the body.
    pub fn expect_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "{} answered {}: {}",
            self.request,
            self.status,
            self.text()
        );
        self
    }

    /// The body decoded as `T`, once the status is `status`.
    pub fn expect<T: DeserializeOwned>(&self, status: u16) -> T {
        self.expect_status(status);
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: body does not decode as {} ({e}): {}",
                self.request,
                std::any::type_name::<T>(),
                self.text()
            )
        })
    }

    /// The body decoded as `T` whatever the status, for the tests that never checked it.
    pub fn json_as<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered {}; the body does not decode as {} ({e}): {}",
                self.request,
                self.status,
                std::any::type_name::<T>(),
                self.text()
            )
        })
    }

    pub fn ok<T: DeserializeOwned>(&self) -> T {
        self.expect(200)
    }

    pub fn created<T: DeserializeOwned>(&self) -> T {
        self.expect(201)
    }

    /// The problem+json body (its content type checked), whatever the status.
    pub fn problem(&self) -> Problem {
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/problem+json"),
            "{}: expected problem+json, got {content_type} ({}): {}",
            self.request,
            self.status,
            self.text()
        );
        let body = self.json();
        Problem {
            code: body["code"].as_str().unwrap_or_default().to_string(),
            status: body["status"].as_u64().unwrap_or_default() as u16,
            body,
        }
    }
}

/// Someone talking to the app: anonymous, or holding an access token.
#[derive(Clone)]
pub struct Session {
    client: Client,
    address: String,
    token: Option<String>,
}

impl Session {
    /// The bearer token; a test asking an anonymous session for one is wrong.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("an authenticated session")
    }

    /// The token as the string-level helpers take it.
    pub fn bearer(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{}", self.address, path));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut builder = self.request(method, path);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        self.exchange(builder).await
    }

    /// Sends a request a test built itself (its own headers or body) and reads the answer.
    pub async fn exchange(&self, builder: reqwest::RequestBuilder) -> Reply {
        let request = builder.build().expect("a well-formed request");
        let label = format!("{} {}", request.method(), request.url().path());
        let response = self.client.execute(request).await.expect("request sent");
        Reply::read(label, response).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    // Cycles and budgets, as an official.

    /// Starts a draft cycle named "People's Budget 2027".
    pub async fn create_cycle(&self, city: &(impl Slug + ?Sized)) -> Cycle {
        let path = format!("/api/v1/municipalities/{}/cycles", city.slug());
        self.post(&path, &json!({"names": {"en": DEFAULT_CYCLE_NAME}}))
            .await
            .created()
    }

    pub async fn create_budget(
        &self,
        cycle: &(impl Id + ?Sized),
        budget: impl Into<Value>,
    ) -> Budget {
        let path = format!("/api/v1/cycles/{}/budgets", cycle.id());
        self.post(&path, &budget.into()).await.created()
    }

    /// Asks for a move in the cycle's lifecycle; the answer is the test's to check.
    pub async fn move_cycle(&self, cycle: &(impl Id + ?Sized), to: &str) -> Reply {
        let path = format!("/api/v1/cycles/{}/transition", cycle.id());
        self.post(&path, &json!({ "to": to })).await
    }

    /// Moves the cycle and fails the test unless the move is accepted.
    pub async fn advance(&self, cycle: &(impl Id + ?Sized), to: &str) {
        self.move_cycle(cycle, to).await.expect_status(200);
    }

    // Proposals.

    pub async fn propose(
        &self,
        budget: &(impl Id + ?Sized),
        proposal: ProposalBuilder,
    ) -> Proposal {
        let path = format!("/api/v1/budgets/{}/proposals", budget.id());
        self.post(&path, &proposal.into()).await.created()
    }

    pub async fn review(&self, proposal: &(impl Id + ?Sized), body: &Value) -> Reply {
        let path = format!("/api/v1/proposals/{}/review", proposal.id());
        self.post(&path, body).await
    }

    pub async fn approve(&self, proposal: &(impl Id + ?Sized)) {
        self.review(proposal, &json!({"decision": "approve"}))
            .await
            .expect_status(200);
    }

    // Ballots and counting.

    /// Casts or replaces this voter's ballot; the answer is the test's to check.
    pub async fn cast(&self, budget: &(impl Id + ?Sized), selections: Value) -> Reply {
        let path = format!("/api/v1/budgets/{}/ballot", budget.id());
        self.put(&path, &json!({ "selections": selections })).await
    }

    /// Casts a first ballot and fails the test unless it is accepted.
    pub async fn cast_new(&self, budget: &(impl Id + ?Sized), selections: Value) -> CastReply {
        self.cast(budget, selections).await.created()
    }

    /// Asks for the count of a budget; the answer is the test's to check.
    pub async fn count(&self, budget: &(impl Id + ?Sized)) -> Reply {
        let path = format!("/api/v1/budgets/{}/tally", budget.id());
        self.post(&path, &json!({})).await
    }

    /// Counts a closed budget and fails the test unless the count is stored.
    pub async fn tally(&self, budget: &(impl Id + ?Sized)) -> TallyReply {
        self.count(budget).await.ok()
    }

    /// Anyone's look at a receipt code.
    pub async fn receipt(&self, code: &str) -> Reply {
        self.get(&format!("/api/v1/receipts/{code}")).await
    }

    // The session itself.

    pub async fn logout(&self) -> Reply {
        self.send(Method::POST, "/api/v1/auth/logout", None).await
    }

    /// Deletes the caller's own account.
    pub async fn delete_account(&self) -> Reply {
        self.delete("/api/v1/me").await
    }

    // Municipalities, as their admin.

    pub async fn add_district(&self, city: &(impl Slug + ?Sized), name: &str) -> District {
        let path = format!("/api/v1/municipalities/{}/districts", city.slug());
        self.post(&path, &json!({"names": {"en": name}}))
            .await
            .created()
    }

    pub async fn update_settings(&self, city: &(impl Slug + ?Sized), settings: &Value) {
        let path = format!("/api/v1/municipalities/{}/settings", city.slug());
        self.patch(&path, settings).await.expect_status(200);
    }
}

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
        let cycle = official.create_cycle(city).await;
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

/// `BudgetBuilder`s are sent as the JSON they build.
impl From<BudgetBuilder> for Value {
    fn from(budget: BudgetBuilder) -> Value {
        budget.build()
    }
}
