//! Add Systems: address, credentials, TLS trust; detection runs on the server.

use super::{DemoNotice, demo_cms};
use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, TextArea, action_error};
use domain::system::TlsChoice;
use leptos::prelude::*;
use leptos_meta::Title;

#[server(endpoint = "systems/add", output = crate::codec::Json)]
pub async fn add_system(
    address: String,
    username: String,
    password: domain::Redacted,
    tls: String,
    pinned_pem: Option<String>,
    folder: Option<String>,
) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::ManageSystems).await?;
    let context = crate::auth::context()?;
    // The folder is checked before anything is saved.
    let folder = super::navigator::folder_field(folder.as_deref().unwrap_or_default())?;
    if let Some(folder) = folder {
        let known = context
            .folders
            .tree()
            .await
            .map_err(|e| AppError::internal("folders", e))?;
        if !known.iter().any(|f| f.id == folder) {
            return Err(
                AppError::Invalid(domain::FieldErrors::single("folder", "no such folder"))
                    .with_status(),
            );
        }
    }
    let outcome = context
        .systems
        .add(domain::systems::AddSystemInput {
            address,
            username,
            password: password.into_inner(),
            tls,
            pinned_pem: pinned_pem.unwrap_or_default(),
        })
        .await
        .map_err(super::system_error)?;
    if folder.is_some() {
        context
            .folders
            .place_system(outcome.id, folder)
            .await
            .map_err(|e| AppError::internal("placing the new system in its folder", e))?;
    }
    tracing::info!(by = %admin.username, system = outcome.id.0, connectivity = ?outcome.connectivity, "system added");
    leptos_axum::redirect(&format!("/systems/{}?added=1", outcome.id.0));
    Ok(())
}

#[server(endpoint = "folders/list", output = crate::codec::Json)]
pub async fn list_folders() -> Result<Vec<domain::navigator::Folder>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .folders
        .tree()
        .await
        .map_err(|e| AppError::internal("folders", e))
}

#[component]
pub fn AddSystemPage() -> impl IntoView {
    let add = form_action::<AddSystem>();
    let error = action_error(add);
    let kept = crate::flash::Kept::of::<AddSystem>();
    let demo = Resource::new(|| (), |_| demo_cms());
    let folders = Resource::new(|| (), |_| list_folders());
    let query = leptos_router::hooks::use_query_map();
    let preset = move || {
        query
            .read_untracked()
            .get("folder")
            .and_then(|f| f.parse().ok())
            .map(domain::navigator::FolderId)
    };
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
                    <input id="address" name="address" required value=kept.value("address", "") placeholder="10.0.0.5 or cms1.example.com:445"
                        aria-invalid=invalid("address") />
                    <FieldMessage error field="address" />
                </div>
                <label for="username">"User name"</label>
                <div>
                    <input id="username" name="username" required value=kept.value("username", "") autocomplete="off" aria-invalid=invalid("username") />
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
                            .map(|c| view! { <option value=c.as_str() selected=kept.selected("tls", c.as_str(), false)>{c.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldMessage error field="tls" />
                </div>
                <label for="pinned_pem">"Certificate (PEM)"</label>
                <div>
                    <TextArea value=kept.value("pinned_pem", "") attr:id="pinned_pem" attr:name="pinned_pem" attr:rows="4"
                        attr:placeholder="Only for \"Trust this certificate\": -----BEGIN CERTIFICATE-----"
                        attr:aria-invalid=invalid("pinned_pem") />
                    <FieldMessage error field="pinned_pem" />
                </div>
                <label for="folder">"Folder"</label>
                <div>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let options = folders
                                .await
                                .map(|list| super::navigator::folder_options(&list, preset(), None))
                                .ok();
                            view! { <select id="folder" name="folder">{options}</select> }
                        })}
                    </Transition>
                    <FieldMessage error field="folder" />
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
