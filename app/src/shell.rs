//! The HTML document, the router and the top navigation.

use crate::auth::{Login, Logout, whoami};
use crate::error::AppError;
use crate::flash::form_action;
use crate::navigation::areas_for;
use crate::pages::{
    admin::{AdminPage, EnginePage},
    booking::{
        AuditLogPage, BookingPage, ConferenceListPage, ConferenceSettingsPage, MeetingPage,
        NewConferencePage,
    },
    home::HomePage,
    login::LoginPage,
    monitoring::MonitoringPage,
    not_found::NotFound,
    systems::{AddSystemPage, SystemPage, SystemsPage},
    users::UsersPage,
};
use domain::UserSummary;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The cookie the browser's time zone travels in, so that the server shows booking times in it
/// unless the user chooses another (`pages::booking`'s `zone`).
pub const ZONE_COOKIE: &str = "bk_tz";

/// Keeps the browser's IANA zone in [`ZONE_COOKIE`]. Inline in the head, so it runs before (and
/// without) the wasm bundle and the next request already carries it. Only a name made of zone
/// characters is stored; the server still checks it names a known zone.
fn zone_script() -> String {
    format!(
        "try{{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;\
         if(/^[A-Za-z0-9_+\\/-]{{1,64}}$/.test(z))document.cookie='{ZONE_COOKIE}='+z+\
         ';path=/;max-age=31536000;SameSite=Lax'+(location.protocol=='https:'?';Secure':'')}}catch(e){{}}"
    )
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // No favicon: without this the browser asks for /favicon.ico and logs its 404.
                <link rel="icon" href="data:," />
                // The Content-Security-Policy allows inline scripts by this response's nonce only.
                <script nonce=leptos::nonce::use_nonce() inner_html=zone_script()></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Sign-in and sign-out actions, shared so the signed-in user is re-read after either.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

/// The signed-in user, re-read whenever someone signs in or out.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<UserSummary>, AppError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::flash::provide_flash();
    let login = form_action::<Login>();
    let logout = form_action::<Logout>();
    let user = Resource::new(
        move || (login.version().get(), logout.version().get()),
        |_| whoami(),
    );
    provide_context(AuthActions { login, logout });
    provide_context(CurrentUser(user));
    // Effects run only in the browser: this marks the page as interactive (tests wait for it).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/bridgekeeper.css" />
        // leptos_meta writes the title unescaped: a system's name is text, never markup.
        <Title formatter=|page: String| {
            if page.is_empty() {
                "Bridgekeeper".to_string()
            } else {
                crate::widgets::raw_text_content(&format!("{page} — Bridgekeeper"))
            }
        } />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <TopNav />
            <main id="main" tabindex="-1">
                // Every page renders whole before it is sent: pages read without JavaScript
                // (and screen readers never meet a "Loading…" placeholder first).
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/booking") view=BookingPage ssr=SsrMode::Async />
                    <Route path=path!("/booking/new") view=NewConferencePage ssr=SsrMode::Async />
                    <Route path=path!("/booking/conferences") view=ConferenceListPage ssr=SsrMode::Async />
                    <Route path=path!("/booking/meetings/:id") view=MeetingPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/conference-settings") view=ConferenceSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/engine") view=EnginePage ssr=SsrMode::Async />
                    <Route path=path!("/monitoring") view=MonitoringPage ssr=SsrMode::Async />
                    <Route path=path!("/systems") view=SystemsPage ssr=SsrMode::Async />
                    <Route path=path!("/systems/add") view=AddSystemPage ssr=SsrMode::Async />
                    <Route path=path!("/systems/:id") view=SystemPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// TMS-like top navigation: only the areas the signed-in user's role may use.
#[component]
fn TopNav() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    let AuthActions { logout, .. } = expect_context::<AuthActions>();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Bridgekeeper"
            </a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => {
                            let links = areas_for(user.role)
                                .map(|area| {
                                    view! {
                                        <li>
                                            <A href=area.path>{area.label}</A>
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! {
                                <nav aria-label="Main">
                                    <ul class="nav">{links}</ul>
                                </nav>
                                <div class="who">
                                    <span class="who-name">{user.username.clone()}</span>
                                    <span class="who-role">{user.role.label()}</span>
                                    <ActionForm action=logout attr:class="inline">
                                        <button type="submit" class="link">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                </div>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}
