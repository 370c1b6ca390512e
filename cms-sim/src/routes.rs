//! `/api/v1/...`: which handler answers a path. Node names are matched case-insensitively
//! (`/cospaces`, `/coSpaces`), and `/callegs`, the seed trace's spelling, means `callLegs`.

use crate::form::Params;
use crate::paging::ListQuery;
use crate::reply::{Failure, Reply};
use crate::state::State;
use crate::xml::XmlWriter;
use hyper::Method;
use std::time::Instant;
use uuid::Uuid;

/// One call bridge of the cluster, as `GET /callBridges` lists it.
#[derive(Debug, Clone)]
pub(crate) struct Bridge {
    pub id: Uuid,
    pub name: String,
    pub address: String,
}

/// An API request, its path already stripped of `/api/v1`.
pub(crate) struct ApiRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub body: &'a [u8],
}

/// The collections, by their lower-cased names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    CallBridges,
    CallProfiles,
    CallLegProfiles,
    CoSpaces,
    BulkParameterSets,
    BulkSyncs,
    Calls,
    CallLegs,
    Participants,
}

impl Collection {
    fn parse(segment: &str) -> Option<Self> {
        Some(match segment.to_ascii_lowercase().as_str() {
            "callbridges" => Collection::CallBridges,
            "callprofiles" => Collection::CallProfiles,
            "calllegprofiles" => Collection::CallLegProfiles,
            "cospaces" => Collection::CoSpaces,
            "cospacebulkparametersets" => Collection::BulkParameterSets,
            "cospacebulksyncs" => Collection::BulkSyncs,
            "calls" => Collection::Calls,
            "calllegs" | "callegs" => Collection::CallLegs,
            "participants" => Collection::Participants,
            _ => return None,
        })
    }

    /// The failure for an id of this collection that does not exist.
    fn missing(self) -> Failure {
        Failure::NotFound(match self {
            Collection::CallBridges => "callBridgeDoesNotExist",
            Collection::CallProfiles => "callProfileDoesNotExist",
            Collection::CallLegProfiles => "callLegProfileDoesNotExist",
            Collection::CoSpaces => "coSpaceDoesNotExist",
            Collection::BulkParameterSets => "coSpaceBulkParameterSetDoesNotExist",
            Collection::BulkSyncs => "coSpaceBulkSyncDoesNotExist",
            Collection::Calls => "callDoesNotExist",
            Collection::CallLegs => "callLegDoesNotExist",
            Collection::Participants => "participantDoesNotExist",
        })
    }
}

pub(crate) fn dispatch(
    state: &mut State,
    bridges: &[Bridge],
    req: &ApiRequest<'_>,
    now: Instant,
) -> Reply {
    route(state, bridges, req, now).unwrap_or_else(Failure::into_reply)
}

fn route(
    state: &mut State,
    bridges: &[Bridge],
    req: &ApiRequest<'_>,
    now: Instant,
) -> Result<Reply, Failure> {
    let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let query = || ListQuery::parse(&Params::parse(req.query.as_bytes()));
    let body = || Params::parse(req.body);
    let method = req.method;
    let is = |m: &Method| method == m;

    if let [system, status] = segments.as_slice()
        && system.eq_ignore_ascii_case("system")
        && status.eq_ignore_ascii_case("status")
    {
        return if is(&Method::GET) {
            Ok(Reply::xml(state.system_status(now)))
        } else {
            Err(Failure::MethodNotAllowed)
        };
    }

    let Some((first, rest)) = segments.split_first() else {
        return Err(Failure::UnrecognisedObject);
    };
    let collection = Collection::parse(first).ok_or(Failure::UnrecognisedObject)?;
    let id = match rest.first() {
        None => None,
        Some(raw) => Some(Uuid::parse_str(raw).map_err(|_| collection.missing())?),
    };

    use Collection as C;
    match (collection, id.as_ref(), rest.get(1..).unwrap_or_default()) {
        (C::CallBridges, None, []) if is(&Method::GET) => Ok(Reply::xml(list_bridges(
            bridges,
            &query()?,
            state.caps.others,
        ))),
        (C::CallBridges, Some(id), []) if is(&Method::GET) => {
            get_bridge(bridges, id).map(Reply::xml)
        }

        (C::CallProfiles, None, []) if is(&Method::GET) => Ok(Reply::xml(
            state.call_profiles.list(&query()?, state.caps.others),
        )),
        (C::CallProfiles, None, []) if is(&Method::POST) => state.call_profiles.create(&body()),
        (C::CallProfiles, Some(id), []) if is(&Method::GET) => {
            state.call_profiles.get(id).map(Reply::xml)
        }
        (C::CallProfiles, Some(id), []) if is(&Method::PUT) => {
            state.call_profiles.modify(id, &body())
        }
        (C::CallProfiles, Some(id), []) if is(&Method::DELETE) => state.call_profiles.delete(id),

        (C::CallLegProfiles, None, []) if is(&Method::GET) => Ok(Reply::xml(
            state.call_leg_profiles.list(&query()?, state.caps.others),
        )),
        (C::CallLegProfiles, None, []) if is(&Method::POST) => {
            state.call_leg_profiles.create(&body())
        }
        (C::CallLegProfiles, Some(id), []) if is(&Method::GET) => {
            state.call_leg_profiles.get(id).map(Reply::xml)
        }
        (C::CallLegProfiles, Some(id), []) if is(&Method::PUT) => {
            state.call_leg_profiles.modify(id, &body())
        }
        (C::CallLegProfiles, Some(id), []) if is(&Method::DELETE) => {
            state.call_leg_profiles.delete(id)
        }

        (C::CoSpaces, None, []) if is(&Method::GET) => Ok(Reply::xml(state.list_spaces(&query()?))),
        (C::CoSpaces, None, []) if is(&Method::POST) => state.create_space(&body()),
        (C::CoSpaces, Some(id), []) if is(&Method::GET) => state.get_space(id).map(Reply::xml),
        (C::CoSpaces, Some(id), []) if is(&Method::PUT) => state.modify_space(id, &body()),
        (C::CoSpaces, Some(id), []) if is(&Method::DELETE) => state.delete_space(id),

        (C::BulkParameterSets, None, []) if is(&Method::GET) => {
            Ok(Reply::xml(state.list_parameter_sets(&query()?)))
        }
        (C::BulkParameterSets, None, []) if is(&Method::POST) => {
            state.create_parameter_set(&body())
        }
        (C::BulkParameterSets, Some(id), []) if is(&Method::GET) => {
            state.get_parameter_set(id).map(Reply::xml)
        }
        (C::BulkParameterSets, Some(id), []) if is(&Method::DELETE) => {
            state.delete_parameter_set(id)
        }

        (C::BulkSyncs, None, []) if is(&Method::GET) => Ok(Reply::xml(state.list_syncs(&query()?))),
        (C::BulkSyncs, None, []) if is(&Method::POST) => state.create_sync(&body(), now),
        (C::BulkSyncs, Some(id), []) if is(&Method::GET) => state.get_sync(id).map(Reply::xml),
        (C::BulkSyncs, Some(id), []) if is(&Method::DELETE) => state.delete_sync(id),

        (C::Calls, None, []) if is(&Method::GET) => Ok(Reply::xml(state.list_calls(&query()?))),
        (C::Calls, None, []) if is(&Method::POST) => state.create_call(&body(), now),
        (C::Calls, Some(id), []) if is(&Method::GET) => state.get_call(id, now).map(Reply::xml),
        (C::Calls, Some(id), []) if is(&Method::DELETE) => state.delete_call(id),
        (C::Calls, Some(id), [sub]) if Collection::parse(sub) == Some(C::CallLegs) => {
            if is(&Method::GET) {
                state.list_legs(Some(id), &query()?).map(Reply::xml)
            } else if is(&Method::POST) {
                state.create_leg(id, &body(), now)
            } else {
                Err(Failure::MethodNotAllowed)
            }
        }
        (C::Calls, Some(id), [sub]) if Collection::parse(sub) == Some(C::Participants) => {
            if is(&Method::GET) {
                state.list_participants(Some(id), &query()?).map(Reply::xml)
            } else {
                Err(Failure::MethodNotAllowed)
            }
        }

        (C::CallLegs, None, []) if is(&Method::GET) => {
            state.list_legs(None, &query()?).map(Reply::xml)
        }
        (C::CallLegs, Some(id), []) if is(&Method::GET) => state.get_leg(id, now).map(Reply::xml),
        (C::CallLegs, Some(id), []) if is(&Method::DELETE) => state.delete_leg(id),

        (C::Participants, None, []) if is(&Method::GET) => {
            state.list_participants(None, &query()?).map(Reply::xml)
        }
        (C::Participants, Some(id), []) if is(&Method::GET) => {
            state.get_participant(id).map(Reply::xml)
        }

        (_, _, []) => Err(Failure::MethodNotAllowed),
        _ => Err(Failure::UnrecognisedObject),
    }
}

/// Unclustered (one node) the server lists no call bridges, as a real standalone CMS does.
fn list_bridges(bridges: &[Bridge], query: &ListQuery, cap: usize) -> String {
    let listed = if bridges.len() > 1 { bridges } else { &[] };
    let page = crate::paging::Page::of(
        listed.iter().filter(|b| {
            query
                .filter
                .as_deref()
                .is_none_or(|f| crate::spaces::contains_ci(&b.name, f))
        }),
        query,
        cap,
    );
    let mut w = XmlWriter::new();
    w.open("callBridges", &[("total", &page.total.to_string())]);
    for bridge in page.items {
        w.open("callBridge", &[("id", &bridge.id.to_string())])
            .text("name", &bridge.name)
            .close();
    }
    w.finish()
}

fn get_bridge(bridges: &[Bridge], id: &Uuid) -> Result<String, Failure> {
    let bridge = bridges
        .iter()
        .filter(|_| bridges.len() > 1)
        .find(|b| b.id == *id)
        .ok_or(Failure::NotFound("callBridgeDoesNotExist"))?;
    let mut w = XmlWriter::new();
    w.open("callBridge", &[("id", &bridge.id.to_string())])
        .text("name", &bridge.name)
        .text("address", &bridge.address)
        .text("sipDomain", "")
        .close();
    Ok(w.finish())
}
