//! The Permissions tab: who may book on the system and which administrators may edit its
//! settings. The rule lives in `domain::system_access`; [`require_edit`] is how every server
//! function that changes a system asks it.

use super::settings::{can_manage, client_ready};
use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, action_error};
use domain::Role;
use domain::system_access::{AccessRow, AccessView, Scope};
use leptos::prelude::*;
use std::collections::HashMap;

#[server(endpoint = "systems/access", output = crate::codec::Json)]
pub async fn load_system_access(id: i64) -> Result<AccessView, AppError> {
    // The list of users and their rights is for those who manage systems.
    crate::auth::require(domain::Permission::ManageSystems).await?;
    crate::auth::context()?
        .access
        .view(domain::system::SystemId(id))
        .await
        .map_err(access_error)
}

/// Saves the list: `book[<user id>]=on` and `edit[<user id>]=on` for every ticked box. Needs only
/// the right to manage systems, never a place on the edit list, so a restriction can be undone.
#[server(endpoint = "systems/access/save", output = crate::codec::Json)]
pub async fn save_system_access(
    id: i64,
    booking: String,
    editing: String,
    book: Option<HashMap<String, String>>,
    edit: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::ManageSystems).await?;
    let input = domain::system_access::AccessInput {
        booking,
        editing,
        bookers: book.unwrap_or_default().into_keys().collect(),
        editors: edit.unwrap_or_default().into_keys().collect(),
    };
    crate::auth::context()?
        .access
        .save(domain::system::SystemId(id), &input, &admin.username)
        .await
        .map_err(access_error)?;
    tracing::info!(by = %admin.username, system = id, ?input, "system permissions saved");
    Ok(())
}

/// The signed-in user if they may change or act on the system (settings, connection, extended
/// settings, ticket filters, Force Refresh, Test connection, its place in a folder): an
/// administrator, and on the system's edit list when it has one. Otherwise 401 or 403. The one
/// place where a server function applies the per-system rights (`AccessList::may_edit`).
#[cfg(feature = "ssr")]
pub(crate) async fn require_edit(id: i64) -> Result<domain::UserSummary, AppError> {
    let user = crate::auth::require(domain::Permission::ManageSystems).await?;
    let allowed = crate::auth::context()?
        .access
        .may_edit(user.id, user.role, domain::system::SystemId(id))
        .await
        .map_err(|e| AppError::internal("reading system permissions", e))?;
    if allowed {
        Ok(user)
    } else {
        tracing::warn!(user = %user.username, system = id, "not on the system's edit list");
        Err(AppError::Forbidden.with_status())
    }
}

#[cfg(feature = "ssr")]
fn access_error(e: domain::system_access::AccessError) -> AppError {
    use domain::system_access::AccessError;
    match e {
        AccessError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        AccessError::NotFound => AppError::NotFound.with_status(),
        AccessError::Internal(cause) => AppError::internal("system permissions", cause),
    }
}

/// The tab's data and action, created with the page before anything is awaited (see
/// `TabData`). Loads only while the tab is shown.
#[derive(Clone, Copy)]
pub struct AccessData {
    pub access: Resource<Result<Option<AccessView>, AppError>>,
    pub save: ServerAction<SaveSystemAccess>,
}

impl AccessData {
    pub fn new(
        id: impl Fn() -> i64 + Copy + Send + Sync + 'static,
        shown: impl Fn() -> bool + Copy + Send + Sync + 'static,
    ) -> AccessData {
        let save = form_action::<SaveSystemAccess>();
        let access = Resource::new(
            move || (id(), shown(), save.version().get()),
            |(id, shown, _)| async move {
                if shown {
                    load_system_access(id).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        AccessData { access, save }
    }
}

#[component]
pub fn PermissionsTab(id: i64, data: AccessData) -> impl IntoView {
    let access = data.access;
    view! {
        <Transition fallback=|| view! { <p>"Loading the permissions…"</p> }>
            {move || Suspend::new(async move {
                match access.await {
                    Ok(Some(view)) => view! { <PermissionsForm id view save=data.save /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PermissionsForm(
    id: i64,
    view: AccessView,
    save: ServerAction<SaveSystemAccess>,
) -> impl IntoView {
    let error = action_error(save);
    let done = move || matches!(save.value().get(), Some(Ok(())));
    let manage = can_manage();
    let locked = move || !manage.get();
    let scope = move |name: &'static str, value: Scope, current: Scope, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name=name value=value.as_str() checked=current == value
                    disabled=locked />
                " " {label}
            </label>
        }
    };
    let rows = view
        .users
        .into_iter()
        .map(|row| view! { <UserRow row locked /> })
        .collect_view();
    view! {
        <section class="card" data-ready=client_ready()>
            <h2 id="permissions">"Permissions"</h2>
            <p class="muted">
                "Who may book on this system and which administrators may edit its settings. \
                 Administrators always book on every system and may always change these permissions."
            </p>
            {view.changed_by.map(|by| view! { <p class="muted">"Last changed by " {by}</p> })}
            <ActionForm action=save attr:class="form" attr:aria-labelledby="permissions">
                <input type="hidden" name="id" value=id />
                <fieldset>
                    <legend>"Booking"</legend>
                    {scope("booking", Scope::Everyone, view.booking, "Everyone with the Scheduler role")}
                    {scope("booking", Scope::Listed, view.booking, "Only the users ticked “May book”")}
                    <FieldMessage error field="booking" />
                </fieldset>
                <fieldset>
                    <legend>"Editing settings"</legend>
                    {scope("editing", Scope::Everyone, view.editing, "All administrators")}
                    {scope("editing", Scope::Listed, view.editing, "Only the administrators ticked “May edit”")}
                    <FieldMessage error field="editing" />
                </fieldset>
                <table class="data access">
                    <thead>
                        <tr><th>"User"</th><th>"Role"</th><th>"May book"</th><th>"May edit"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                <FieldMessage error field="bookers" />
                <FieldMessage error field="editors" />
                <FormMessage error />
                {move || done().then(|| view! { <p class="notice" role="status">"Permissions saved."</p> })}
                <Show when=move || manage.get()>
                    <button type="submit" class="primary">"Save"</button>
                </Show>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserRow(
    row: AccessRow,
    locked: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let admin = row.role == Role::Admin;
    let book = (!admin).then(|| {
        view! {
            <input type="checkbox" name=format!("book[{}]", row.id.0) checked=row.may_book
                disabled=locked aria-label=format!("{} may book", row.username) />
        }
    });
    let edit = admin.then(|| {
        view! {
            <input type="checkbox" name=format!("edit[{}]", row.id.0) checked=row.may_edit
                disabled=locked aria-label=format!("{} may edit", row.username) />
        }
    });
    view! {
        <tr data-user=row.username.clone()>
            <td>{row.username.clone()}</td>
            <td>{row.role.label()}</td>
            <td>{book}{admin.then_some("always")}</td>
            <td>{edit}{(!admin).then_some("—")}</td>
        </tr>
    }
}
