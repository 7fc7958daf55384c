//! Who is logged in: the [`SessionView`] from login or from `GET /auth/session`, shared by
//! every page as context. The CSRF token is handed to the API layer whenever it changes.

use leptos::prelude::*;
use shared::access::Permission;
use shared::dto::{MeView, SessionView};
use shared::problem::ProblemCode;

use crate::api;

/// The session context.
#[derive(Clone, Copy)]
pub struct Session {
    current: RwSignal<Option<SessionView>>,
    /// False until the start-up probe of `GET /auth/session` has answered.
    pub ready: RwSignal<bool>,
    /// Why the user was sent back to the login page (e.g. `session_expired`).
    pub ended_because: RwSignal<Option<ProblemCode>>,
}

impl Session {
    /// Creates the context and asks the server whether a session cookie is still valid.
    pub fn provide() -> Session {
        let session = Session {
            current: RwSignal::new(None),
            ready: RwSignal::new(false),
            ended_because: RwSignal::new(None),
        };
        provide_context(session);
        api::on_session_lost(move |code| {
            if session.current.get_untracked().is_some() {
                session.ended_because.set(Some(code));
            }
            session.clear();
        });
        leptos::task::spawn_local(async move {
            if let Ok(Some(s)) = api::auth::session().await {
                session.set(s);
            }
            session.ready.set(true);
        });
        session
    }

    /// Stores a fresh session (after login or a refresh).
    pub fn set(self, s: SessionView) {
        api::set_csrf_token(Some(s.csrf_token.clone()));
        crate::format::set_japanese_era(s.me.tenant.japanese_era);
        self.ended_because.set(None);
        self.current.set(Some(s));
    }

    /// Forgets the session (after logout or when the server ended it).
    pub fn clear(self) {
        api::set_csrf_token(None);
        crate::format::set_japanese_era(false);
        self.current.set(None);
    }

    /// Re-reads the session from the server, e.g. after a password change.
    pub async fn refresh(self) {
        if let Ok(Some(s)) = api::auth::session().await {
            self.set(s);
        }
    }

    /// Whether someone is logged in (reactive).
    pub fn logged_in(self) -> bool {
        self.current.with(Option::is_some)
    }

    /// The logged-in user (reactive).
    pub fn me(self) -> Option<MeView> {
        self.current.with(|s| s.as_ref().map(|s| s.me.clone()))
    }

    /// Whether the user may do `p` (reactive).
    pub fn can(self, p: Permission) -> bool {
        self.current
            .with(|s| s.as_ref().is_some_and(|s| s.me.permissions.contains(&p)))
    }

    /// Whether the service seals with the development key (reactive): a warning on every page.
    pub fn development_seal(self) -> bool {
        self.current
            .with(|s| s.as_ref().is_some_and(|s| s.development_seal))
    }

    /// Whether only the account page may be used: a password change or a TOTP set-up is due.
    pub fn account_only(self) -> bool {
        self.current.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.me.user.must_change_password || s.me.totp_setup_required)
        })
    }
}

/// The session context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}
