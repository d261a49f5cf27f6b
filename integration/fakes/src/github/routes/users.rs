//! `GET /user`: the authenticated user's full profile (a GitHub App's bot, which
//! has none, gets its short form with `type: Bot`).

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::User;
use crate::github::reply;
use crate::github::shapes::{View, extend};
use crate::github::time::iso;

pub async fn me(State(state): State<GithubState>) -> Response {
    let base = state.base_url();
    let data = state.data();
    let view = View::new(&data, &base);
    match data.user(&data.viewer) {
        Some(user) => reply::json(&view.profile(user)),
        None if data.viewer.ends_with("[bot]") => {
            let mut bot = view.user(&data.viewer);
            bot["type"] = json!("Bot");
            reply::json(&bot)
        }
        None => reply::not_found(),
    }
}

impl View<'_> {
    /// A user's full profile, with the private counts only the user sees.
    pub fn profile(&self, user: &User) -> Value {
        let owned: Vec<_> = self
            .data
            .visible()
            .filter(|r| r.owner == user.login)
            .collect();
        let private = owned.iter().filter(|r| r.private).count();
        let mut value = self.user(&user.login);
        let extra = json!({
            "name": user.name,
            "company": user.company,
            "blog": user.blog.clone().unwrap_or_default(),
            "location": user.location,
            "email": user.email,
            "hireable": null,
            "bio": user.bio,
            "twitter_username": null,
            "notification_email": user.email,
            "public_repos": owned.len() - private,
            "public_gists": 3,
            "followers": user.followers,
            "following": user.following,
            "created_at": iso(user.created_at),
            "updated_at": iso(user.created_at + 86_400 * 400),
            "private_gists": 1,
            "total_private_repos": private,
            "owned_private_repos": private,
            "disk_usage": 2048,
            "collaborators": 2,
            "two_factor_authentication": true,
            "plan": {"name": "pro", "space": 976_562_499, "collaborators": 0, "private_repos": 9999},
        });
        extend(&mut value, extra);
        value
    }
}
