//! The sign-in page. A plain form: it works with JavaScript off.

use crate::shell::AuthActions;
use crate::widgets::{FormMessage, action_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let AuthActions { login, .. } = expect_context::<AuthActions>();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = action_error(login);
    let kept = crate::flash::Kept::of::<crate::auth::Login>();
    view! {
        <Title text="Sign in" />
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <p class="muted">"Bridgekeeper schedules conferences on Cisco Meeting Server."</p>
            <ActionForm action=login attr:class="form" attr:id="login-form">
                <input type="hidden" name="next" value=next />
                <label for="username">"User name"</label>
                <input
                    id="username"
                    name="username"
                    value=kept.value("username", "")
                    autocomplete="username"
                    required
                    autofocus
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <FormMessage error />
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
        </section>
    }
}
