//! Someone talking to the app, and what they can ask of it: the raw verbs for tests about
//! answers and error shapes, and the named calls (`create_cycle`, `cast`, `tally`, …) that
//! send the request a user would send and decode the answer.

use reqwest::{Client, Method};
use serde_json::{json, Value};

use super::builders::{ProposalBuilder, DEFAULT_CYCLE_NAME};
use super::model::{Budget, Cycle, District, Id, Proposal, Slug, TallyReply};
use super::reply::Reply;

/// Someone talking to the app: anonymous, or holding an access token.
#[derive(Clone)]
pub struct Session {
    pub(super) client: Client,
    pub(super) address: String,
    pub(super) token: Option<String>,
}

impl Session {
    /// The bearer token; a test asking an anonymous session for one is wrong.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("an authenticated session")
    }

    /// The same caller talking to another listener of the app (the admin one).
    pub fn at(&self, address: &str) -> Session {
        Session {
            address: address.to_string(),
            ..self.clone()
        }
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
        let (method, path) = (
            request.method().to_string(),
            request.url().path().to_string(),
        );
        let response = self.client.execute(request).await.expect("request sent");
        Reply::read(&method, &path, response).await
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
