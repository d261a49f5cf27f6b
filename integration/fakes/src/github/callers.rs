//! Who is asking. The personal tokens the fake accepts and the user each belongs
//! to, and the caller of the request being answered: the auth guard (`limits`)
//! runs each request's handler inside [`serve_as`], and the state handle reads
//! [`current`] whenever a handler locks the data, so every route answers for the
//! token's own user without being told.

use std::collections::HashMap;
use std::future::Future;

/// The demo token (`Authorization: Bearer fake-github-token-demo`): the seed's
/// viewer, `octo-demo`.
pub const DEMO_TOKEN: &str = "fake-github-token-demo";
/// The token of `alice`, who owns the private `alice/alice-private`.
pub const ALICE_TOKEN: &str = "fake-github-token-alice";
/// The token of `bob`, who owns the private `bob/bob-private`.
pub const BOB_TOKEN: &str = "fake-github-token-bob";

/// The user a request is answered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The login it acts as (`/user`, authorship of what it writes).
    pub login: String,
    /// Whose repositories it reaches, when not its own (an app's bot reaches
    /// those of the account the app is installed on); empty otherwise.
    pub access: String,
}

impl Caller {
    /// A user acting for themselves.
    pub fn user(login: &str) -> Self {
        Self {
            login: login.to_string(),
            access: String::new(),
        }
    }
}

tokio::task_local! {
    static CURRENT: Caller;
}

/// The caller of the request being answered; `None` outside a request (a test
/// calling the state directly sees the seed's viewer).
pub fn current() -> Option<Caller> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `work` (a request's handler) as `caller`.
pub async fn serve_as<F: Future>(caller: Caller, work: F) -> F::Output {
    CURRENT.scope(caller, work).await
}

/// Personal tokens -> logins.
#[derive(Debug, Default)]
pub struct Tokens(HashMap<String, String>);

impl Tokens {
    /// The seeded tokens: the demo token for `viewer`, and alice's and bob's.
    pub fn seeded(viewer: &str) -> Self {
        let mut tokens = Self::default();
        tokens.add(DEMO_TOKEN, viewer);
        tokens.add(ALICE_TOKEN, "alice");
        tokens.add(BOB_TOKEN, "bob");
        tokens
    }

    pub fn add(&mut self, token: &str, login: &str) {
        self.0.insert(token.to_string(), login.to_string());
    }

    /// The login a token belongs to.
    pub fn owner(&self, token: &str) -> Option<&str> {
        self.0.get(token).map(String::as_str)
    }
}
