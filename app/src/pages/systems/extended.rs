//! Extended Settings: Domain, Numeric ID Base and Numeric ID Quantity. Saving provisions the
//! placeholder spaces on the server; the page says what will happen before it happens and shows
//! the provisioning's progress live.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, action_error};
use domain::system::{IdRange, ProvisionPlan, Provisioning, ProvisioningState, SystemDetail};
use leptos::prelude::*;
use std::time::Duration;

#[server(endpoint = "systems/extended", output = crate::codec::Json)]
pub async fn save_extended_settings(
    id: i64,
    domain: String,
    base: String,
    quantity: String,
) -> Result<ProvisionPlan, AppError> {
    let admin = super::permissions::require_edit(id).await?;
    let plan = crate::auth::context()?
        .systems
        .save_extended(domain::system::SystemId(id), &domain, &base, &quantity)
        .await
        .map_err(super::system_error)?;
    tracing::info!(by = %admin.username, system = id, plan = %plan.describe(), "extended settings saved");
    Ok(plan)
}

#[server(endpoint = "systems/provisioning", output = crate::codec::Json)]
pub async fn provisioning_status(id: i64) -> Result<Option<Provisioning>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .systems
        .provisioning(domain::system::SystemId(id))
        .await
        .map_err(|e| AppError::internal("reading provisioning progress", e))
}

/// What saving would do, from the form's current values: computed in the browser with the same
/// rule the server applies (`ProvisionPlan::between`).
fn preview(provisioned: Option<IdRange>, base: &str, quantity: &str) -> String {
    match (base.trim().parse::<u64>(), quantity.trim().parse::<u64>()) {
        (Ok(base), Ok(quantity)) if base >= 1 && quantity >= 1 => {
            ProvisionPlan::between(provisioned, IdRange { base, quantity }).describe()
        }
        _ => "Enter a Numeric ID Base and Quantity to see what saving will do.".to_string(),
    }
}

/// The tab's action and live progress, created with the system page (not inside its loading
/// boundary) so hydration finds the same resources the server rendered.
#[derive(Clone, Copy)]
pub struct ExtendedData {
    save: ServerAction<SaveExtendedSettings>,
    tick: RwSignal<u32>,
    progress: Resource<Result<Option<Provisioning>, AppError>>,
}

impl ExtendedData {
    pub fn new(id: impl Fn() -> i64 + Copy + Send + Sync + 'static) -> ExtendedData {
        let save = form_action::<SaveExtendedSettings>();
        let tick = RwSignal::new(0u32);
        let progress = Resource::new(
            move || (id(), tick.get(), save.version().get()),
            |(id, ..)| provisioning_status(id),
        );
        ExtendedData {
            save,
            tick,
            progress,
        }
    }
}

#[component]
pub fn ExtendedSettingsTab(system: SystemDetail, data: ExtendedData) -> impl IntoView {
    let id = system.summary.id.0;
    let ExtendedData {
        save,
        tick,
        progress,
    } = data;
    let error = action_error(save);
    let kept = crate::flash::Kept::of::<SaveExtendedSettings>();
    let current = system.extended.clone();
    let domain = RwSignal::new(
        kept.value(
            "domain",
            current
                .as_ref()
                .map(|e| e.domain.clone())
                .unwrap_or_default(),
        ),
    );
    let base = RwSignal::new(
        kept.value(
            "base",
            current
                .as_ref()
                .map(|e| e.range.base.to_string())
                .unwrap_or_default(),
        ),
    );
    let quantity = RwSignal::new(
        kept.value(
            "quantity",
            current
                .as_ref()
                .map(|e| e.range.quantity.to_string())
                .unwrap_or_default(),
        ),
    );
    let provisioned = system.provisioned;
    // Poll while provisioning runs (browser only: effects do not run on the server).
    Effect::new(move |_| {
        if let Some(Ok(Some(p))) = progress.get()
            && p.state == ProvisioningState::Running
        {
            set_timeout(move || tick.update(|t| *t += 1), Duration::from_millis(400));
        }
    });
    let invalid = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field(field))
                .is_some()
                .to_string()
        }
    };
    let provisioned_text = match provisioned {
        Some(r) => format!(
            "Placeholder spaces {}–{} exist on the server ({} in all).",
            r.base,
            r.last(),
            r.quantity
        ),
        None => "No placeholder spaces have been provisioned yet.".to_string(),
    };
    view! {
        <section class="card">
            <h2 id="extended-settings">"Extended Settings"</h2>
            <p class="muted">{provisioned_text}</p>
            <ActionForm action=save attr:class="form grid" attr:aria-labelledby="extended-settings">
                <input type="hidden" name="id" value=id />
                <label for="domain">"Domain"</label>
                <div>
                    <input id="domain" name="domain" required placeholder="video.example.com"
                        prop:value=domain on:input=move |ev| domain.set(event_target_value(&ev))
                        value=domain.get_untracked() aria-invalid=invalid("domain") />
                    <FieldMessage error field="domain" />
                </div>
                <label for="base">"Numeric ID Base"</label>
                <div>
                    <input id="base" name="base" inputmode="numeric" required
                        prop:value=base on:input=move |ev| base.set(event_target_value(&ev))
                        value=base.get_untracked() aria-invalid=invalid("base") />
                    <FieldMessage error field="base" />
                </div>
                <label for="quantity">"Numeric ID Quantity"</label>
                <div>
                    <input id="quantity" name="quantity" inputmode="numeric" required
                        prop:value=quantity on:input=move |ev| quantity.set(event_target_value(&ev))
                        value=quantity.get_untracked() aria-invalid=invalid("quantity") />
                    <FieldMessage error field="quantity" />
                </div>
                <div class="actions">
                    <p class="plan" role="note">
                        "When you save: " {move || preview(provisioned, &base.get(), &quantity.get())}
                    </p>
                    <FormMessage error />
                    <button type="submit" class="primary" disabled=move || save.pending().get()>
                        "Save"
                    </button>
                </div>
            </ActionForm>
        </section>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                progress.await.ok().flatten().map(|p| view! { <ProvisioningPanel progress=p /> })
            })}
        </Transition>
    }
}

#[component]
fn ProvisioningPanel(progress: Provisioning) -> impl IntoView {
    let (class, title) = match progress.state {
        ProvisioningState::Running => ("provisioning running", "Provisioning placeholder spaces…"),
        ProvisioningState::Complete => ("provisioning complete", "Provisioning complete"),
        ProvisioningState::Failed => ("provisioning failed", "Provisioning failed"),
    };
    view! {
        <section class=format!("card {class}") role="status" aria-live="polite">
            <h2>{title}</h2>
            <p class="provisioning-message">{progress.message}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_says_what_saving_does() {
        assert_eq!(
            preview(None, "1", "5"),
            "Create 5 placeholder space(s) (1–5)."
        );
        assert!(preview(None, "", "5").starts_with("Enter"));
        assert_eq!(
            preview(
                Some(IdRange {
                    base: 1,
                    quantity: 5
                }),
                "1",
                "3"
            ),
            "Delete 2 placeholder space(s) (4–5) that are not in use, keep 3 as they are."
        );
    }
}
