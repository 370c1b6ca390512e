//! Monitoring: every system's status is read on an interval (a few systems at a time), its
//! connectivity and status snapshot saved, and the tickets that say what is wrong raised or
//! closed. Test connection and Force Refresh run the same poll at once.
//!
//! The primary and the alternate are each polled on their own (no failover inside a poll): the
//! primary's health is the system's connectivity, the alternate's only raises or clears
//! *Alternate Unreachable*.

use crate::store::{PollRecord, Store, StoreError};
use crate::system::{ClusterMember, Connectivity, SystemId};
use crate::system_status::{PollOutcome, StatusSnapshot};
use crate::systems::{SystemError, SystemService, classify};
use crate::ticket::TicketKind;
use cms::{CmsError, Connector, Endpoint};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Tickets about reaching the primary: at most one of them is live at a time.
const REACHABILITY_TICKETS: [TicketKind; 3] = [
    TicketKind::ConnectionError,
    TicketKind::AuthenticationFailure,
    TicketKind::CertificateNotTrusted,
];

pub struct Monitor {
    store: Arc<dyn Store>,
    systems: Arc<SystemService>,
    concurrency: usize,
}

impl Monitor {
    /// `concurrency`: systems polled at once, at most.
    pub fn new(store: Arc<dyn Store>, systems: Arc<SystemService>, concurrency: usize) -> Self {
        Monitor {
            store,
            systems,
            concurrency: concurrency.max(1),
        }
    }

    /// Polls every system every `interval`, the first time one interval after start (the status
    /// of the previous run is in the database meanwhile). Runs until the task is aborted.
    pub async fn run(self: Arc<Self>, interval: Duration) {
        let interval = interval.max(Duration::from_secs(1));
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = self.poll_all().await {
                tracing::error!(error = %e, "monitoring: listing systems");
            }
        }
    }

    /// Polls every system once, `concurrency` at a time; returns how many were polled.
    pub async fn poll_all(self: &Arc<Self>) -> Result<usize, StoreError> {
        let systems = self.store.list_systems().await?;
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut polls = JoinSet::new();
        for system in &systems {
            // The semaphore is never closed: acquiring only waits.
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let monitor = Arc::clone(self);
            let id = system.id;
            polls.spawn(async move {
                let _permit = permit;
                (id, monitor.poll(id).await)
            });
        }
        while let Some(joined) = polls.join_next().await {
            match joined {
                Ok((id, Err(e))) => tracing::warn!(system = id.0, error = %e, "monitoring"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "monitoring task failed"),
            }
        }
        Ok(systems.len())
    }

    /// Reads one system's status now (primary, then alternate), saves what was found and raises
    /// or closes its tickets.
    pub async fn poll(&self, id: SystemId) -> Result<PollOutcome, SystemError> {
        let record = self.systems.get(id).await?;
        let cms = self.systems.connector_for(&record)?;
        let primary = pinned(&cms, &record.summary.address)?;
        let status = primary.system_status().await;
        let alternate = match &record.alternate {
            Some(alt) => Some(pinned(&cms, &alt.address)?.system_status().await),
            None => None,
        };

        let (connectivity, problem) = match &status {
            Ok(_) => (Connectivity::Reachable, None),
            Err(e) => (classify(e).0, Some(e.to_string())),
        };
        self.reachability_tickets(id, status.as_ref().err()).await?;
        let alternate_problem = match &alternate {
            Some(Err(e)) => {
                let address = record.alternate.as_ref().map(|a| a.address.as_str());
                let message = format!(
                    "The alternate call bridge {} does not answer: {e}",
                    address.unwrap_or_default()
                );
                self.store
                    .raise_ticket(id, TicketKind::AlternateUnreachable, &message)
                    .await?;
                Some(message)
            }
            _ => {
                self.store
                    .close_tickets(id, TicketKind::AlternateUnreachable)
                    .await?;
                None
            }
        };
        let alternate_reachable = alternate.as_ref().map(Result::is_ok);
        let status = status.ok();
        self.store
            .record_poll(
                id,
                &PollRecord {
                    connectivity,
                    software_version: status.as_ref().map(|s| s.software_version.clone()),
                    snapshot: status.as_ref().map(|s| StatusSnapshot {
                        polled_at: now(),
                        uptime_seconds: s.uptime_seconds,
                        call_legs_active: s.call_legs_active,
                        call_legs_max_active: s.call_legs_max_active,
                        call_legs_completed: s.call_legs_completed,
                        audio_bit_rate_outgoing: s.audio_bit_rate_outgoing,
                        audio_bit_rate_incoming: s.audio_bit_rate_incoming,
                        video_bit_rate_outgoing: s.video_bit_rate_outgoing,
                        video_bit_rate_incoming: s.video_bit_rate_incoming,
                        alternate_reachable,
                    }),
                    alternate_reachable,
                },
            )
            .await?;
        Ok(PollOutcome {
            connectivity,
            problem,
            software_version: status.map(|s| s.software_version),
            alternate_reachable,
            alternate_problem,
        })
    }

    /// Force Refresh: polls now, then re-reads the cluster's call bridges from the primary.
    pub async fn refresh(&self, id: SystemId) -> Result<PollOutcome, SystemError> {
        let mut outcome = self.poll(id).await?;
        if outcome.connectivity != Connectivity::Reachable {
            return Ok(outcome);
        }
        let record = self.systems.get(id).await?;
        let cms = self.systems.connector_for(&record)?;
        let primary = pinned(&cms, &record.summary.address)?;
        match call_bridges(&primary).await {
            Ok(members) => {
                self.store
                    .replace_members(id, !members.is_empty(), &members)
                    .await?;
            }
            Err(e) => outcome.problem = Some(format!("reading the call bridges: {e}")),
        }
        Ok(outcome)
    }

    /// Opens the ticket for what went wrong reaching the primary and closes the others (all of
    /// them when it answered).
    async fn reachability_tickets(
        &self,
        id: SystemId,
        error: Option<&CmsError>,
    ) -> Result<(), StoreError> {
        let raised = error.map(|e| (classify(e).1, e.to_string()));
        for kind in REACHABILITY_TICKETS {
            if raised.as_ref().is_some_and(|(k, _)| *k == kind) {
                continue;
            }
            self.store.close_tickets(id, kind).await?;
        }
        if let Some((kind, message)) = raised {
            self.store.raise_ticket(id, kind, &message).await?;
        }
        Ok(())
    }
}

/// The connector restricted to one of its endpoints (no failover).
fn pinned(cms: &Connector, address: &str) -> Result<Connector, SystemError> {
    let endpoint = Endpoint::parse(address)
        .map_err(|e| SystemError::Internal(format!("stored address {address}: {e}")))?;
    cms.pinned_to(&endpoint)
        .ok_or_else(|| SystemError::Internal(format!("{address} is not one of the connector's")))
}

async fn call_bridges(cms: &Connector) -> Result<Vec<ClusterMember>, CmsError> {
    let mut members = Vec::new();
    for bridge in cms.call_bridges().await? {
        let full = cms.call_bridge(&bridge.id).await?;
        members.push(ClusterMember {
            bridge_id: full.id.as_str().to_string(),
            name: full.name,
            address: full.address,
        });
    }
    Ok(members)
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
