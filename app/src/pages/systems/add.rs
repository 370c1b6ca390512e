//! Add Systems: address, credentials, TLS trust; detection runs on the server.

use super::{DemoNotice, demo_cms};
use crate::error::AppError;
use crate::widgets::{FieldMessage, FormMessage, action_error};
use domain::system::TlsChoice;
use leptos::prelude::*;
use leptos_meta::Title;

#[server(endpoint = "systems/add")]
pub async fn add_system(
    address: String,
    username: String,
    password: String,
    tls: String,
    pinned_pem: Option<String>,
) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::ManageSystems).await?;
    let outcome = crate::auth::context()?
        .systems
        .add(domain::systems::AddSystemInput {
            address,
            username,
            password,
            tls,
            pinned_pem: pinned_pem.unwrap_or_default(),
        })
        .await
        .map_err(super::system_error)?;
    tracing::info!(by = %admin.username, system = outcome.id.0, connectivity = ?outcome.connectivity, "system added");
    leptos_axum::redirect(&format!("/systems/{}?added=1", outcome.id.0));
    Ok(())
}

#[component]
pub fn AddSystemPage() -> impl IntoView {
    let add = ServerAction::<AddSystem>::new();
    let error = action_error(add);
    let demo = Resource::new(|| (), |_| demo_cms());
    let invalid = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field(field))
                .is_some()
                .to_string()
        }
    };
    view! {
        <Title text="Add Systems" />
        <h1>"Add Systems"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                demo.await.ok().flatten().map(|demo| view! { <DemoNotice demo /> })
            })}
        </Transition>
        <section class="card">
            <h2 id="add-system">"Meeting server"</h2>
            <p class="muted">
                "Bridgekeeper reads the system's status and cluster, and creates the call profile and call leg profile it schedules with. A system that does not answer is still added, with a ticket."
            </p>
            <ActionForm action=add attr:class="form grid" attr:aria-labelledby="add-system">
                <label for="address">"Network address"</label>
                <div>
                    <input id="address" name="address" required placeholder="10.0.0.5 or cms1.example.com:445"
                        aria-invalid=invalid("address") />
                    <FieldMessage error field="address" />
                </div>
                <label for="username">"User name"</label>
                <div>
                    <input id="username" name="username" required autocomplete="off" aria-invalid=invalid("username") />
                    <FieldMessage error field="username" />
                </div>
                <label for="password">"Password"</label>
                <div>
                    <input id="password" name="password" type="password" required autocomplete="new-password"
                        aria-invalid=invalid("password") />
                    <FieldMessage error field="password" />
                </div>
                <label for="tls">"TLS"</label>
                <div>
                    <select id="tls" name="tls">
                        {[TlsChoice::Verify, TlsChoice::Pinned, TlsChoice::Insecure]
                            .into_iter()
                            .map(|c| view! { <option value=c.as_str()>{c.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldMessage error field="tls" />
                </div>
                <label for="pinned_pem">"Certificate (PEM)"</label>
                <div>
                    <textarea id="pinned_pem" name="pinned_pem" rows="4"
                        placeholder="Only for \"Trust this certificate\": -----BEGIN CERTIFICATE-----"
                        aria-invalid=invalid("pinned_pem")></textarea>
                    <FieldMessage error field="pinned_pem" />
                </div>
                <div class="actions">
                    <FormMessage error />
                    <button type="submit" class="primary" disabled=move || add.pending().get()>
                        {move || if add.pending().get() { "Detecting the system…" } else { "Add system" }}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
