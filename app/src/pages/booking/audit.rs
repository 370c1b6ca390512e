//! Administrative Tools → Audit: who booked, changed, extended, ended and cancelled which
//! meeting, and who changed the Conference Settings; newest first, by user and dates, in pages.

use crate::error::AppError;
use crate::widgets::LocalTime;
use domain::audit::AuditPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Entries on a page.
#[cfg(feature = "ssr")]
const PAGE_SIZE: u32 = 50;

/// One page of the audit: `user` a user name (empty: anyone), `from` and `to` dates in the
/// viewer's zone (both included), `page` from 0.
#[server(endpoint = "audit", output = crate::codec::Json)]
pub async fn audit_log(
    user: String,
    from: String,
    to: String,
    page: String,
    tz: String,
) -> Result<AuditPage, AppError> {
    use domain::audit::AuditFilter;
    let admin = crate::auth::require(domain::Permission::Administer).await?;
    let zone = super::zone(&tz);
    let (from, to) = domain::zone::date_range(&zone, &from, &to);
    let page = page.parse::<u32>().unwrap_or(0);
    let filter = AuditFilter {
        actor: Some(user.trim().to_string()).filter(|u| !u.is_empty()),
        from,
        to,
        // One more than is shown tells whether an older page follows.
        limit: PAGE_SIZE + 1,
        offset: u64::from(page) * u64::from(PAGE_SIZE),
    };
    let context = crate::auth::context()?;
    let mut entries = context
        .bookings
        .audit(&super::actor(&admin), &filter)
        .await
        .map_err(super::booking_error)?;
    let more = entries.len() > PAGE_SIZE as usize;
    entries.truncate(PAGE_SIZE as usize);
    let users = context
        .users
        .list()
        .await
        .map_err(|e| AppError::internal("listing users", e))?
        .into_iter()
        .map(|u| u.username.to_string())
        .collect();
    Ok(AuditPage {
        entries,
        users,
        page,
        more,
    })
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let audit = Resource::new(
        move || {
            (
                param("user"),
                param("from"),
                param("to"),
                param("page"),
                param("tz"),
            )
        },
        |(user, from, to, page, tz)| audit_log(user, from, to, page, tz),
    );
    view! {
        <Title text="Audit" />
        <h1>"Audit"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match audit.await {
                    Ok(audit) => view! { <Entries audit /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The filters, one page of entries and the links to the newer and older pages.
#[component]
fn Entries(audit: AuditPage) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read_untracked().get(name).unwrap_or_default();
    // Only a known user name is put back into links (names need no escaping).
    let user = Some(param("user"))
        .filter(|u| audit.users.contains(u))
        .unwrap_or_default();
    let (from, to, tz) = (param("from"), param("to"), param("tz"));
    let page_href = {
        let user = user.clone();
        move |page: u32| {
            format!(
                "/admin/audit?user={user}&from={from}&to={to}&tz={}&page={page}",
                super::query_value(&tz)
            )
        }
    };
    let newer = (audit.page > 0).then(|| page_href(audit.page - 1));
    let older = audit.more.then(|| page_href(audit.page + 1));
    view! {
        <form method="get" action="/admin/audit" class="filters">
            <label>"User "
                <select name="user">
                    <option value="">"Anyone"</option>
                    {audit.users.iter().map(|u| view! {
                        <option value=u.clone() selected=*u == user>{u.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"From " <input type="date" name="from" value=param("from") /></label>
            <label>"To " <input type="date" name="to" value=param("to") /></label>
            <input type="hidden" name="tz" value=param("tz") />
            <button type="submit">"Filter"</button>
        </form>
        {if audit.entries.is_empty() {
            view! { <p class="empty">"Nothing matches."</p> }.into_any()
        } else {
            view! {
                <table class="audit">
                    <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"On"</th><th>"Outcome"</th></tr></thead>
                    <tbody>
                        {audit.entries.into_iter().map(|e| view! {
                            <tr>
                                <td><LocalTime at=e.at /></td>
                                <td>{e.actor}</td>
                                <td>{e.action}</td>
                                <td>{match e.meeting {
                                    Some(id) => view! { <a href=format!("/booking/meetings/{}", id.0)>{e.subject}</a> }.into_any(),
                                    None => e.subject.into_any(),
                                }}</td>
                                <td>{e.outcome}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <nav class="pager" aria-label="Audit pages">
            {newer.map(|href| view! { <a href=href rel="prev">"← Newer"</a> })}
            {format!(" Page {} ", audit.page + 1)}
            {older.map(|href| view! { <a href=href rel="next">"Older →"</a> })}
        </nav>
    }
}
