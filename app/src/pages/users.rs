//! Administrative Tools → Users: list, create, change role, reset password, disable.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, action_error, confirm_first};
use domain::{Role, UserSummary};
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
fn user_error(e: domain::users::UserError) -> AppError {
    use domain::users::UserError;
    match e {
        UserError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        UserError::NotFound => AppError::NotFound.with_status(),
        UserError::Internal(cause) => AppError::internal("user administration", cause),
    }
}

#[server(endpoint = "users/list", output = crate::codec::Json)]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    crate::auth::require(domain::Permission::Administer).await?;
    crate::auth::context()?
        .users
        .list()
        .await
        .map_err(|e| AppError::internal("listing users", e))
}

#[server(endpoint = "users/create", output = crate::codec::Json)]
pub async fn create_user(
    username: String,
    role: String,
    password: domain::Redacted,
) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::Administer).await?;
    crate::auth::context()?
        .users
        .create(&username, &role, password.into_inner())
        .await
        .map_err(user_error)?;
    tracing::info!(by = %admin.username, user = %username.trim().to_lowercase(), %role, "user created");
    Ok(())
}

#[server(endpoint = "users/role", output = crate::codec::Json)]
pub async fn change_role(id: i64, role: String) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::Administer).await?;
    crate::auth::context()?
        .users
        .set_role(admin.id, domain::UserId(id), &role)
        .await
        .map_err(user_error)?;
    tracing::info!(by = %admin.username, user = id, %role, "role changed");
    Ok(())
}

#[server(endpoint = "users/password", output = crate::codec::Json)]
pub async fn reset_password(id: i64, password: domain::Redacted) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::Administer).await?;
    crate::auth::context()?
        .users
        .reset_password(domain::UserId(id), password.into_inner())
        .await
        .map_err(user_error)?;
    tracing::info!(by = %admin.username, user = id, "password reset");
    Ok(())
}

#[server(endpoint = "users/disabled", output = crate::codec::Json)]
pub async fn set_disabled(id: i64, disabled: bool) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::Administer).await?;
    crate::auth::context()?
        .users
        .set_disabled(admin.id, domain::UserId(id), disabled)
        .await
        .map_err(user_error)?;
    tracing::info!(by = %admin.username, user = id, disabled, "user access changed");
    Ok(())
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = form_action::<CreateUser>();
    let role = form_action::<ChangeRole>();
    let password = form_action::<ResetPassword>();
    let disabled = form_action::<SetDisabled>();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                role.version().get(),
                password.version().get(),
                disabled.version().get(),
            )
        },
        |_| list_users(),
    );
    let create_error = action_error(create);
    let kept = crate::flash::Kept::of::<CreateUser>();
    let row_error = Signal::derive(move || {
        [
            role.value().get().and_then(Result::err),
            password.value().get().and_then(Result::err),
            disabled.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let row_message = Signal::derive(move || {
        row_error.get().map(|e| match &e {
            AppError::Invalid(fields) => fields
                .0
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })
    });
    let created = move || matches!(create.value().get(), Some(Ok(())));
    let password_done = move || matches!(password.value().get(), Some(Ok(())));

    view! {
        <Title text="Users" />
        <h1>"Users"</h1>
        {move || row_message.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        {move || password_done().then(|| view! { <p class="notice" role="status">"Password reset; the user's sessions have ended."</p> })}
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! { <UserTable list role password disabled /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>

        <section class="card">
            <h2 id="add-user">"Add a user"</h2>
            <ActionForm action=create attr:class="form grid" attr:aria-labelledby="add-user">
                <label for="new-username">"User name"</label>
                <div>
                    <input id="new-username" name="username" required autocomplete="off" value=kept.value("username", "")
                        aria-invalid=move || create_error.get().and_then(|e| e.field("username")).is_some().to_string() />
                    <FieldMessage error=create_error field="username" />
                </div>
                <label for="new-role">"Role"</label>
                <div>
                    <RoleSelect id="new-role" selected=Role::ALL.into_iter().find(|r| kept.selected("role", r.as_str(), false)).unwrap_or(Role::Scheduler) />
                    <FieldMessage error=create_error field="role" />
                </div>
                <label for="new-password">"Password"</label>
                <div>
                    <input id="new-password" name="password" type="password" required autocomplete="new-password"
                        aria-invalid=move || create_error.get().and_then(|e| e.field("password")).is_some().to_string() />
                    <FieldMessage error=create_error field="password" />
                </div>
                <div class="actions">
                    <FormMessage error=create_error />
                    {move || created().then(|| view! { <p class="notice" role="status">"User created."</p> })}
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create user"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn RoleSelect(#[prop(into)] id: String, selected: Role) -> impl IntoView {
    view! {
        <select id=id name="role">
            {Role::ALL
                .into_iter()
                .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.label()}</option> })
                .collect_view()}
        </select>
    }
}

#[component]
fn UserTable(
    list: Vec<UserSummary>,
    role: ServerAction<ChangeRole>,
    password: ServerAction<ResetPassword>,
    disabled: ServerAction<SetDisabled>,
) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|user| {
            let id = user.id.0;
            let name = user.username.clone();
            let role_label = format!("Role for {name}");
            let password_label = format!("New password for {name}");
            let (toggle_label, toggle_to, confirm) = if user.disabled {
                ("Enable", "false", format!("Enable {name}?"))
            } else {
                (
                    "Disable",
                    "true",
                    format!("Disable {name}? Their sessions end now."),
                )
            };
            view! {
                <tr data-user=name.clone()>
                    <td>{name.clone()}</td>
                    <td>{user.role.label()}</td>
                    <td>{if user.disabled { "Disabled" } else { "Active" }}</td>
                    <td class="row-actions">
                        <ActionForm action=role attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <label class="sr-only" for=format!("role-{id}")>{role_label}</label>
                            <RoleSelect id=format!("role-{id}") selected=user.role />
                            <button type="submit">"Change role"</button>
                        </ActionForm>
                        <ActionForm action=password attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <label class="sr-only" for=format!("password-{id}")>{password_label}</label>
                            <input id=format!("password-{id}") name="password" type="password" placeholder="New password" autocomplete="new-password" required />
                            <button type="submit">"Reset password"</button>
                        </ActionForm>
                        <ActionForm action=disabled attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="disabled" value=toggle_to />
                            <button type="submit" class=if user.disabled { "" } else { "danger" } on:click=confirm_first(confirm)>{toggle_label}</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"User name"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
