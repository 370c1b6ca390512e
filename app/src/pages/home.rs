//! The start page: where a signed-in user can go.

use crate::navigation::areas_for;
use crate::shell::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    view! {
        <Title text="Home" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        let tiles = areas_for(user.role)
                            .map(|area| {
                                view! {
                                    <li>
                                        <A href=area.path>{area.label}</A>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! {
                            <h1>"Welcome, " {user.username.clone()}</h1>
                            <p class="muted">"You are signed in as " {user.role.label()} "."</p>
                            <ul class="tiles">{tiles}</ul>
                        }
                            .into_any()
                    }
                    _ => view! { <p>"Please " <A href="/login">"sign in"</A> "."</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
