//! The Connection tab: address, credentials (the password is write-only: a new one replaces the
//! old, none is ever sent back), TLS trust (a pasted PEM included) and Test connection.

use super::settings::{TabData, can_manage, client_ready};
use crate::error::AppError;
use crate::widgets::{FieldMessage, FormMessage, TextArea, action_error};
use domain::system::TlsChoice;
use domain::system_status::{PollOutcome, SettingsView};
use leptos::prelude::*;

#[server(endpoint = "systems/connection", output = crate::codec::Json)]
pub async fn save_connection(
    id: i64,
    address: String,
    username: String,
    password: domain::Redacted,
    tls: String,
    pinned_pem: String,
) -> Result<(), AppError> {
    let admin = super::permissions::require_edit(id).await?;
    crate::auth::context()?
        .settings
        .save_connection(
            domain::system::SystemId(id),
            domain::system_settings::ConnectionInput {
                address,
                username,
                password: password.into_inner(),
                tls,
                pinned_pem,
            },
        )
        .await
        .map_err(super::system_error)?;
    tracing::info!(by = %admin.username, system = id, "system connection saved");
    Ok(())
}

/// Runs a status request on the saved connection now (and updates status and tickets).
#[server(endpoint = "systems/connection/test", output = crate::codec::Json)]
pub async fn test_connection(id: i64) -> Result<PollOutcome, AppError> {
    super::permissions::require_edit(id).await?;
    crate::auth::context()?
        .monitor
        .poll(domain::system::SystemId(id))
        .await
        .map_err(super::system_error)
}

#[component]
pub fn ConnectionTab(data: TabData) -> impl IntoView {
    let TabData {
        settings,
        connection_saved: saved,
        tested: test,
        ..
    } = data;
    view! {
        <Transition fallback=|| view! { <p>"Loading the connection…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <ConnectionForm s saved test /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ConnectionForm(
    s: SettingsView,
    saved: ServerAction<SaveConnection>,
    test: ServerAction<TestConnection>,
) -> impl IntoView {
    let error = action_error(saved);
    let done = move || matches!(saved.value().get(), Some(Ok(())));
    let test_error = action_error(test);
    let manage = can_manage();
    let tls_options = [TlsChoice::Verify, TlsChoice::Pinned, TlsChoice::Insecure]
        .into_iter()
        .map(|t| view! { <option value=t.as_str() selected=t == s.tls>{t.label()}</option> })
        .collect_view();
    let host = s
        .address
        .split_once("://")
        .map_or(s.address.clone(), |(scheme, rest)| {
            if scheme == "https" {
                rest.trim_end_matches(":443").to_string()
            } else {
                s.address.clone()
            }
        });
    let result = move || {
        test.value().get().and_then(Result::ok).map(|o| {
            let text = match (&o.problem, &o.software_version) {
                (None, version) => format!(
                    "Connected: {} answered (software version {}).",
                    o.connectivity.label(),
                    version.clone().unwrap_or_else(|| "unknown".into())
                ),
                (Some(problem), _) => format!("{}: {problem}", o.connectivity.label()),
            };
            let class = if o.problem.is_none() {
                "notice"
            } else {
                "form-error"
            };
            view! { <p class=class role="status" data-test-result="">{text}</p> }
        })
    };
    let id = s.id.0;
    view! {
        <section class="card" data-ready=client_ready()>
            <h2 id="connection">"Connection"</h2>
            <Show when=move || !manage.get()>
                <p class="notice">"Changing the connection needs the Manage systems permission."</p>
            </Show>
            <ActionForm action=saved attr:class="form grid" attr:aria-labelledby="connection">
                <input type="hidden" name="id" value=id />
                <label for="address">"Network Address"</label>
                <div><input id="address" name="address" value=host required /><FieldMessage error field="address" /></div>
                <label for="username">"Username"</label>
                <div><input id="username" name="username" value=s.username.clone() autocomplete="off" /><FieldMessage error field="username" /></div>
                <label for="password">"Password"</label>
                <div>
                    <input type="password" id="password" name="password" placeholder="***** (leave blank to keep)" autocomplete="new-password" />
                    <FieldMessage error field="password" />
                </div>
                <label for="tls">"TLS"</label>
                <div><select id="tls" name="tls">{tls_options}</select><FieldMessage error field="tls" /></div>
                <label for="pinned_pem">"Certificate (PEM)"</label>
                <div>
                    <TextArea value=s.pinned_pem.clone().unwrap_or_default() attr:id="pinned_pem" attr:name="pinned_pem" attr:rows="6"
                        attr:placeholder="-----BEGIN CERTIFICATE-----" />
                    <p class="muted">"Used when the TLS mode trusts this certificate."</p>
                    <FieldMessage error field="pinned_pem" />
                </div>
                <div class="actions">
                    <FormMessage error />
                    {move || done().then(|| view! { <p class="notice" role="status">"Connection saved."</p> })}
                    <button type="submit" class="primary">"Save"</button>
                </div>
            </ActionForm>
            <ActionForm action=test attr:class="inline">
                <input type="hidden" name="id" value=id />
                <button type="submit">"Test connection"</button>
            </ActionForm>
            <FormMessage error=test_error />
            {result}
        </section>
    }
}
