//! The Navigator: the folder tree and a folder's systems (search, sort, pages); administrators
//! create, rename, move and delete folders and move systems between them.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, action_error, confirm_first};
use domain::navigator::{Folder, FolderId, ListQuery, SortColumn, SystemPage};
use domain::system_status::status_label;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// What the Navigator page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavigatorView {
    pub folders: Vec<Folder>,
    /// Systems directly in each folder.
    pub counts: Vec<(FolderId, usize)>,
    pub page: SystemPage,
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
fn folder_error(e: domain::folders::FolderError) -> AppError {
    use domain::folders::FolderError;
    match e {
        FolderError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        FolderError::NotFound => AppError::NotFound.with_status(),
        FolderError::Internal(cause) => AppError::internal("folders", cause),
    }
}

/// A folder chosen in a form: empty means the top of the Navigator.
#[cfg(any(feature = "ssr", test))]
pub(super) fn folder_field(value: &str) -> Result<Option<FolderId>, AppError> {
    match value.trim() {
        "" => Ok(None),
        id => id.parse().map(|id| Some(FolderId(id))).map_err(|_| {
            let refused =
                AppError::Invalid(domain::FieldErrors::single("folder", "choose a folder"));
            #[cfg(feature = "ssr")]
            let refused = refused.with_status();
            refused
        }),
    }
}

#[server(endpoint = "systems/navigator", output = crate::codec::Json)]
pub async fn navigator(query: ListQuery) -> Result<NavigatorView, AppError> {
    let user = crate::auth::require(domain::Permission::ViewSystems).await?;
    let folders = crate::auth::context()?.folders;
    let internal = |e| AppError::internal("navigator", e);
    Ok(NavigatorView {
        folders: folders.tree().await.map_err(internal)?,
        counts: folders
            .counts()
            .await
            .map_err(internal)?
            .into_iter()
            .collect(),
        page: folders.list(&query).await.map_err(internal)?,
        can_manage: user.role.can(domain::Permission::ManageSystems),
    })
}

#[server(endpoint = "folders/create", output = crate::codec::Json)]
pub async fn create_folder(parent: String, name: String) -> Result<(), AppError> {
    crate::auth::require(domain::Permission::ManageSystems).await?;
    crate::auth::context()?
        .folders
        .create(folder_field(&parent)?, &name)
        .await
        .map(|_| ())
        .map_err(folder_error)
}

#[server(endpoint = "folders/rename", output = crate::codec::Json)]
pub async fn rename_folder(id: i64, name: String) -> Result<(), AppError> {
    crate::auth::require(domain::Permission::ManageSystems).await?;
    crate::auth::context()?
        .folders
        .rename(FolderId(id), &name)
        .await
        .map_err(folder_error)
}

#[server(endpoint = "folders/move", output = crate::codec::Json)]
pub async fn move_folder(id: i64, parent: String) -> Result<(), AppError> {
    crate::auth::require(domain::Permission::ManageSystems).await?;
    crate::auth::context()?
        .folders
        .move_to(FolderId(id), folder_field(&parent)?)
        .await
        .map_err(folder_error)
}

#[server(endpoint = "folders/delete", output = crate::codec::Json)]
pub async fn delete_folder(id: i64, target: String) -> Result<(), AppError> {
    crate::auth::require(domain::Permission::ManageSystems).await?;
    crate::auth::context()?
        .folders
        .delete(FolderId(id), folder_field(&target)?)
        .await
        .map_err(folder_error)?;
    leptos_axum::redirect(&match folder_field(&target)? {
        Some(folder) => format!("/systems?folder={}", folder.0),
        None => "/systems".to_string(),
    });
    Ok(())
}

#[server(endpoint = "folders/place", output = crate::codec::Json)]
pub async fn place_system(system: i64, folder: String) -> Result<(), AppError> {
    super::permissions::require_edit(system).await?;
    crate::auth::context()?
        .folders
        .place_system(domain::system::SystemId(system), folder_field(&folder)?)
        .await
        .map_err(folder_error)
}

/// The list query in the page's address: `?folder=&q=&sort=&dir=&page=`.
fn query_from(map: &leptos_router::params::ParamsMap) -> ListQuery {
    ListQuery {
        folder: map.get("folder").and_then(|f| f.parse().ok()).map(FolderId),
        search: map.get("q").unwrap_or_default(),
        sort: map
            .get("sort")
            .and_then(|s| SortColumn::parse(&s))
            .unwrap_or(SortColumn::Name),
        descending: map.get("dir").as_deref() == Some("desc"),
        page: map.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
    }
}

fn href(query: &ListQuery) -> String {
    let mut parts = Vec::new();
    if let Some(folder) = query.folder {
        parts.push(format!("folder={}", folder.0));
    }
    if !query.search.is_empty() {
        let encoded: String = query
            .search
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        parts.push(format!("q={encoded}"));
    }
    parts.push(format!("sort={}", query.sort.as_str()));
    if query.descending {
        parts.push("dir=desc".into());
    }
    if query.page > 1 {
        parts.push(format!("page={}", query.page));
    }
    format!("/systems?{}", parts.join("&"))
}

/// Folder options for a select: the top, then every folder with its path.
pub(super) fn folder_options(
    folders: &[Folder],
    selected: Option<FolderId>,
    skip: Option<FolderId>,
) -> impl IntoView + use<> {
    let mut options = vec![(String::new(), "(top of the Navigator)".to_string())];
    let mut paths: Vec<(FolderId, String)> = folders
        .iter()
        .filter(|f| Some(f.id) != skip)
        .map(|f| (f.id, path_of(folders, f.id)))
        .collect();
    paths.sort_by_key(|(_, path)| path.to_lowercase());
    options.extend(paths.into_iter().map(|(id, path)| (id.0.to_string(), path)));
    let selected = selected.map(|f| f.0.to_string()).unwrap_or_default();
    options
        .into_iter()
        .map(|(value, label)| {
            let is_selected = value == selected;
            view! { <option value=value selected=is_selected>{label}</option> }
        })
        .collect_view()
}

fn path_of(folders: &[Folder], id: FolderId) -> String {
    let mut names = Vec::new();
    let mut current = Some(id);
    while let Some(folder) = current.and_then(|id| folders.iter().find(|f| f.id == id)) {
        names.push(folder.name.clone());
        current = folder.parent;
        if names.len() > folders.len() {
            break;
        }
    }
    names.reverse();
    names.join(" / ")
}

#[component]
pub fn SystemsPage() -> impl IntoView {
    let map = use_query_map();
    let create = form_action::<CreateFolder>();
    let rename = form_action::<RenameFolder>();
    let moved = form_action::<MoveFolder>();
    let deleted = form_action::<DeleteFolder>();
    let placed = form_action::<PlaceSystem>();
    let view_data = Resource::new(
        move || {
            (
                query_from(&map.read()),
                create.version().get(),
                rename.version().get(),
                moved.version().get(),
                deleted.version().get(),
                placed.version().get(),
            )
        },
        |(query, ..)| navigator(query),
    );
    let actions = FolderActions {
        create,
        rename,
        moved,
        deleted,
        placed,
    };
    view! {
        <Title text="Systems" />
        <Transition fallback=|| view! { <p>"Loading systems…"</p> }>
            {move || Suspend::new(async move {
                let query = query_from(&map.read_untracked());
                match view_data.await {
                    Ok(data) => view! { <Navigator data query actions /> }.into_any(),
                    Err(e) => view! { <h1>"Systems"</h1><p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct FolderActions {
    create: ServerAction<CreateFolder>,
    rename: ServerAction<RenameFolder>,
    moved: ServerAction<MoveFolder>,
    deleted: ServerAction<DeleteFolder>,
    placed: ServerAction<PlaceSystem>,
}

#[component]
fn Navigator(data: NavigatorView, query: ListQuery, actions: FolderActions) -> impl IntoView {
    let current = query
        .folder
        .and_then(|id| data.folders.iter().find(|f| f.id == id).cloned());
    let title = match (&current, query.search.trim().is_empty()) {
        (_, false) => format!("Systems matching “{}”", query.search.trim()),
        (Some(folder), true) => path_of(&data.folders, folder.id),
        (None, true) => "Systems".to_string(),
    };
    let tree =
        view! { <FolderTree folders=data.folders.clone() parent=None current=query.folder /> };
    let headers = SortColumn::ALL
        .into_iter()
        .map(|column| {
            let label = match column {
                SortColumn::Address => "Network Address",
                SortColumn::Name => "System Name",
                SortColumn::Type => "System Type",
                SortColumn::Description => "Description",
                SortColumn::Status => "Status",
                SortColumn::Tickets => "Open tickets",
            };
            let active = column == query.sort;
            let next = ListQuery {
                sort: column,
                descending: active && !query.descending,
                page: 1,
                ..query.clone()
            };
            let sort = match (active, query.descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            };
            view! {
                <th scope="col" aria-sort=sort>
                    <a href=href(&next)>{label}</a>
                </th>
            }
        })
        .collect_view();
    let folders_for_rows = data.folders.clone();
    let can_manage = data.can_manage;
    let rows = data
        .page
        .systems
        .iter()
        .map(|s| {
            let id = s.id.0;
            let host = s.host().to_string();
            let name = s.display_name();
            let options = folder_options(&folders_for_rows, query.folder, None);
            let folder_label = format!("Folder of {host}");
            view! {
                <tr data-system=host.clone()>
                    <td>{host.clone()}</td>
                    <td><A href=format!("/systems/{id}")>{name}</A></td>
                    <td>{s.system_type.clone()}</td>
                    <td>{s.description.clone()}</td>
                    <td>{status_label(s.connectivity, None)}</td>
                    <td class="num">{s.open_tickets}</td>
                    {can_manage.then(|| view! {
                        <td>
                            <ActionForm action=actions.placed attr:class="inline">
                                <input type="hidden" name="system" value=id />
                                <label class="sr-only" for=format!("folder-of-{id}")>{folder_label}</label>
                                <select id=format!("folder-of-{id}") name="folder">{options}</select>
                                <button type="submit">"Move"</button>
                            </ActionForm>
                        </td>
                    })}
                </tr>
            }
        })
        .collect_view();
    let page = data.page.clone();
    let pager = (page.pages > 1).then(|| {
        let previous = (page.page > 1).then(|| ListQuery {
            page: page.page - 1,
            ..query.clone()
        });
        let next = (page.page < page.pages).then(|| ListQuery {
            page: page.page + 1,
            ..query.clone()
        });
        view! {
            <nav class="pager" aria-label="Pages">
                {previous.map(|q| view! { <a href=href(&q) rel="prev">"‹ Previous"</a> })}
                <span>{format!("Page {} of {}", page.page, page.pages)}</span>
                {next.map(|q| view! { <a href=href(&q) rel="next">"Next ›"</a> })}
            </nav>
        }
    });
    let count = data
        .counts
        .iter()
        .find(|(f, _)| Some(*f) == query.folder)
        .map(|(_, n)| *n)
        .unwrap_or(0);
    view! {
        <div class="navigator">
            <aside class="folders" aria-label="Folders">
                <h2>"Navigator"</h2>
                <ul class="tree">
                    <li>
                        <a href="/systems" aria-current=(query.folder.is_none() && query.search.is_empty()).then_some("page")>
                            "Top"
                        </a>
                        {tree}
                    </li>
                </ul>
            </aside>
            <section class="listing">
                <div class="page-head">
                    <h1>{title}</h1>
                    {can_manage.then(|| {
                        let add = match query.folder {
                            Some(folder) => format!("/systems/add?folder={}", folder.0),
                            None => "/systems/add".to_string(),
                        };
                        view! { <A href=add attr:class="button primary">"Add Systems"</A> }
                    })}
                </div>
                <form method="get" action="/systems" class="search" role="search">
                    {query.folder.map(|f| view! { <input type="hidden" name="folder" value=f.0 /> })}
                    <label for="system-search" class="sr-only">"Search systems"</label>
                    <input id="system-search" type="search" name="q" value=query.search.clone()
                        placeholder="Search address, name or description" />
                    <button type="submit">"Search"</button>
                </form>
                {if data.page.total == 0 {
                    view! { <p class="empty">"No systems here."</p> }.into_any()
                } else {
                    view! {
                        <table class="data">
                            <thead>
                                <tr>
                                    {headers}
                                    {can_manage.then(|| view! { <th scope="col">"Folder"</th> })}
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }.into_any()
                }}
                {pager}
                {can_manage.then(|| view! {
                    <FolderTools folders=data.folders.clone() current=current.clone() systems_here=count actions />
                })}
            </section>
        </div>
    }
}

#[component]
fn FolderTree(
    folders: Vec<Folder>,
    parent: Option<FolderId>,
    current: Option<FolderId>,
) -> impl IntoView {
    let mut children: Vec<Folder> = folders
        .iter()
        .filter(|f| f.parent == parent)
        .cloned()
        .collect();
    children.sort_by_key(|f| f.name.to_lowercase());
    (!children.is_empty()).then(|| {
        let items = children
            .into_iter()
            .map(|f| {
                let nested = view! { <FolderTree folders=folders.clone() parent=Some(f.id) current /> }.into_any();
                view! {
                    <li>
                        <a href=format!("/systems?folder={}", f.id.0)
                            aria-current=(current == Some(f.id)).then_some("page")>{f.name.clone()}</a>
                        {nested}
                    </li>
                }
            })
            .collect_view();
        view! { <ul>{items}</ul> }
    })
}

#[component]
fn FolderTools(
    folders: Vec<Folder>,
    current: Option<Folder>,
    systems_here: usize,
    actions: FolderActions,
) -> impl IntoView {
    let create_error = action_error(actions.create);
    let rename_error = action_error(actions.rename);
    let move_error = action_error(actions.moved);
    let delete_error = action_error(actions.deleted);
    let parent = current
        .as_ref()
        .map(|f| f.id.0.to_string())
        .unwrap_or_default();
    let here = current
        .as_ref()
        .map(|f| f.name.clone())
        .unwrap_or_else(|| "the top".into());
    view! {
        <section class="card">
            <h2 id="folder-tools">"Folders"</h2>
            <ActionForm action=actions.create attr:class="inline" attr:aria-label="New folder">
                <input type="hidden" name="parent" value=parent />
                <label for="new-folder">{format!("New folder in {here}")}</label>
                <input id="new-folder" name="name" required />
                <button type="submit">"Create folder"</button>
            </ActionForm>
            <FieldMessage error=create_error field="name" />
            <FormMessage error=create_error />
            {current.map(|folder| {
                let id = folder.id.0;
                let confirm = if systems_here > 0 {
                    format!("Delete the folder {}? Its {} system(s) and its folders move to the folder you chose.", folder.name, systems_here)
                } else {
                    format!("Delete the folder {}?", folder.name)
                };
                let move_options = folder_options(&folders, folder.parent, Some(folder.id));
                let delete_options = folder_options(&folders, folder.parent, Some(folder.id));
                let delete_label = format!("Delete this folder; its {systems_here} system(s) and folders go to");
                view! {
                    <ActionForm action=actions.rename attr:class="inline" attr:aria-label="Rename folder">
                        <input type="hidden" name="id" value=id />
                        <label for="rename-folder">"Rename to"</label>
                        <input id="rename-folder" name="name" value=folder.name.clone() required />
                        <button type="submit">"Rename"</button>
                    </ActionForm>
                    <FieldMessage error=rename_error field="name" />
                    <ActionForm action=actions.moved attr:class="inline" attr:aria-label="Move folder">
                        <input type="hidden" name="id" value=id />
                        <label for="move-folder">"Move into"</label>
                        <select id="move-folder" name="parent">{move_options}</select>
                        <button type="submit">"Move folder"</button>
                    </ActionForm>
                    <FieldMessage error=move_error field="parent" />
                    <ActionForm action=actions.deleted attr:class="inline" attr:aria-label="Delete folder">
                        <input type="hidden" name="id" value=id />
                        <label for="delete-target">{delete_label}</label>
                        <select id="delete-target" name="target">{delete_options}</select>
                        <button type="submit" class="danger" on:click=confirm_first(confirm)>"Delete folder"</button>
                    </ActionForm>
                    <FieldMessage error=delete_error field="target" />
                    <FormMessage error=delete_error />
                }
            })}
            <FormMessage error=move_error />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_addresses_round_trip() {
        let query = ListQuery {
            folder: Some(FolderId(3)),
            search: "core 1".into(),
            sort: SortColumn::Tickets,
            descending: true,
            page: 2,
        };
        let address = href(&query);
        assert_eq!(
            address,
            "/systems?folder=3&q=core%201&sort=tickets&dir=desc&page=2"
        );
        let mut map = leptos_router::params::ParamsMap::new();
        for pair in address.trim_start_matches("/systems?").split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            map.insert(k.to_string(), v.replace("%20", " "));
        }
        assert_eq!(query_from(&map), query);
    }

    #[test]
    fn folder_paths_and_fields() {
        let folders = vec![
            Folder {
                id: FolderId(1),
                parent: None,
                name: "Europe".into(),
            },
            Folder {
                id: FolderId(2),
                parent: Some(FolderId(1)),
                name: "Paris".into(),
            },
        ];
        assert_eq!(path_of(&folders, FolderId(2)), "Europe / Paris");
        assert_eq!(folder_field("").unwrap(), None);
        assert_eq!(folder_field("2").unwrap(), Some(FolderId(2)));
        assert!(folder_field("x").is_err());
    }
}
