//! Administrative Tools → Conference Settings: the booking defaults.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, action_error};
use domain::booking::ConferenceSettings;
use leptos::prelude::*;
use leptos_meta::Title;

#[server(endpoint = "bookings/settings", output = crate::codec::Json)]
pub async fn load_conference_settings() -> Result<(ConferenceSettings, Vec<(i64, String)>), AppError>
{
    crate::auth::require(domain::Permission::Administer).await?;
    let settings = crate::auth::context()?
        .bookings
        .settings()
        .await
        .map_err(super::booking_error)?;
    Ok((settings, super::system_names().await?))
}

#[server(endpoint = "bookings/settings/save", output = crate::codec::Json)]
pub async fn save_conference_settings(
    default_title: String,
    default_duration_minutes: String,
    start_early_minutes: String,
    extend_step_minutes: String,
    preferred_system: String,
) -> Result<(), AppError> {
    let admin = crate::auth::require(domain::Permission::Administer).await?;
    let mut errors = domain::FieldErrors::default();
    let mut minutes = |field: &str, text: &str| match text.trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.add(field, "must be a whole number of minutes");
            0
        }
    };
    let settings = ConferenceSettings {
        default_title,
        default_duration_minutes: minutes("default_duration_minutes", &default_duration_minutes),
        start_early_minutes: minutes("start_early_minutes", &start_early_minutes),
        extend_step_minutes: minutes("extend_step_minutes", &extend_step_minutes),
        preferred_system: preferred_system.parse().ok().map(domain::system::SystemId),
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors).with_status());
    }
    crate::auth::context()?
        .bookings
        .save_settings(&super::actor(&admin), settings)
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %admin.username, "conference settings changed");
    Ok(())
}

#[component]
pub fn ConferenceSettingsPage() -> impl IntoView {
    let save = form_action::<SaveConferenceSettings>();
    let current = Resource::new(move || save.version().get(), |_| load_conference_settings());
    let error = action_error(save);
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    view! {
        <Title text="Conference Settings" />
        <h1>"Conference Settings"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok((s, systems)) => view! {
                        <ActionForm action=save attr:class="form grid" attr:aria-label="Conference Settings">
                            <label for="default_title">"Default title"</label>
                            <div><input id="default_title" name="default_title" value=s.default_title.clone() />
                                <FieldMessage error=error field="default_title" /></div>
                            <label for="default_duration_minutes">"Default duration (minutes)"</label>
                            <div><input id="default_duration_minutes" name="default_duration_minutes" type="number" value=s.default_duration_minutes.to_string() />
                                <FieldMessage error=error field="default_duration_minutes" /></div>
                            <label for="start_early_minutes">"Start meetings early (minutes)"</label>
                            <div><input id="start_early_minutes" name="start_early_minutes" type="number" value=s.start_early_minutes.to_string() />
                                <FieldMessage error=error field="start_early_minutes" /></div>
                            <label for="extend_step_minutes">"Extend step (minutes)"</label>
                            <div><input id="extend_step_minutes" name="extend_step_minutes" type="number" value=s.extend_step_minutes.to_string() />
                                <FieldMessage error=error field="extend_step_minutes" /></div>
                            <label for="preferred_system">"Preferred system"</label>
                            <div><select id="preferred_system" name="preferred_system">
                                <option value="">"None"</option>
                                {systems.into_iter().map(|(id, name)| view! {
                                    <option value=id selected=s.preferred_system.map(|p| p.0) == Some(id)>{name}</option>
                                }).collect_view()}
                            </select>
                                <FieldMessage error=error field="preferred_system" /></div>
                            <div class="actions">
                                <FormMessage error=error />
                                {move || saved().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
                                <button type="submit" class="primary">"Save"</button>
                            </div>
                        </ActionForm>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
