//! Edit Settings (General, Network with the Alternate IP, Scheduling), Ticket Filters, the
//! Connection tab and the Logs tab's query. Passwords are sealed at rest and write-only: a blank
//! password field keeps the stored one, and no password ever goes back to the browser.

use crate::FieldErrors;
use crate::booking::MeetingState;
use crate::secret_box::SecretBox;
use crate::store::bookings::MeetingFilter;
use crate::store::{AlternateRecord, ConnectionChange, SettingsRecord, Store, StoreError};
use crate::system::{SystemId, TlsChoice};
use crate::system_status::{
    GeneralSettings, NetworkView, SchedulingSettings, SettingsView, StatusSnapshot, TracePage,
    TraceQuery, filterable_ticket_kinds,
};
use crate::systems::{SystemError, SystemService};
use crate::ticket::TicketKind;
use cms::{Endpoint, PinnedCertificate};
use std::sync::Arc;

/// Rows per page of the Logs tab.
pub const TRACE_PAGE_SIZE: u32 = 50;
const MAX_TEXT: usize = 200;

/// The Edit Settings form, as typed. Its `Debug` masks the alternate's password.
#[derive(Clone, Default)]
pub struct SettingsInput {
    pub name: String,
    pub description: String,
    pub ip_zone: String,
    pub time_zone: String,
    pub web_bridge_uri: String,
    pub system_contact: String,
    pub alert_contact_when_booked: bool,
    /// One of the cluster's call bridge addresses, or empty for none.
    pub alternate_address: String,
    pub alternate_username: String,
    /// Empty keeps the stored password (for the same alternate).
    pub alternate_password: String,
    pub sip_mode: bool,
    pub allow_booking: bool,
    pub allow_outgoing_sip: bool,
    pub allow_incoming_sip: bool,
}

impl std::fmt::Debug for SettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsInput")
            .field("name", &self.name)
            .field("alternate_address", &self.alternate_address)
            .field("alternate_username", &self.alternate_username)
            .field("alternate_password", &crate::redacted::MASK)
            .finish_non_exhaustive()
    }
}

/// The Connection form, as typed. Its `Debug` masks the password.
#[derive(Clone, Default)]
pub struct ConnectionInput {
    pub address: String,
    pub username: String,
    /// Empty keeps the stored password.
    pub password: String,
    pub tls: String,
    pub pinned_pem: String,
}

impl std::fmt::Debug for ConnectionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionInput")
            .field("address", &self.address)
            .field("username", &self.username)
            .field("password", &crate::redacted::MASK)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

pub struct SettingsService {
    store: Arc<dyn Store>,
    secrets: SecretBox,
    systems: Arc<SystemService>,
}

impl SettingsService {
    pub fn new(store: Arc<dyn Store>, secrets: SecretBox, systems: Arc<SystemService>) -> Self {
        SettingsService {
            store,
            secrets,
            systems,
        }
    }

    /// What the Settings, Clustering and Connection tabs show.
    pub async fn view(&self, id: SystemId) -> Result<SettingsView, SystemError> {
        let record = self.systems.get(id).await?;
        let settings = self.store.settings(id).await?;
        let alternate = settings.alternate.as_ref();
        Ok(SettingsView {
            id,
            name: record.summary.name.clone(),
            description: record.summary.description.clone(),
            address: record.summary.address.clone(),
            username: record.username.clone(),
            tls: record.tls,
            pinned_pem: record.pinned_pem.clone(),
            software_version: record.summary.software_version.clone(),
            connectivity: record.summary.connectivity,
            general: settings.general.clone(),
            network: NetworkView {
                alternate_address: alternate.map(|a| a.address.clone()),
                alternate_username: alternate.map(|a| a.username.clone()).unwrap_or_default(),
                alternate_password_set: alternate.is_some(),
                sip_mode: settings.sip_mode,
            },
            scheduling: settings.scheduling.clone(),
            members: record.members.clone(),
            hidden_tickets: self.store.hidden_ticket_kinds(id).await?,
            status: self.store.status_snapshot(id).await?,
        })
    }

    /// What monitoring last read from the primary.
    pub async fn status(&self, id: SystemId) -> Result<Option<StatusSnapshot>, SystemError> {
        self.systems.get(id).await?;
        Ok(self.store.status_snapshot(id).await?)
    }

    /// Saves Edit Settings: name and description (which raise or clear Blank System Name), the
    /// rest of General, Network (the Alternate IP must be one of the cluster's other call
    /// bridges) and Scheduling.
    pub async fn save(&self, id: SystemId, input: SettingsInput) -> Result<(), SystemError> {
        let record = self.systems.get(id).await?;
        let stored = self.store.settings(id).await?;
        let mut errors = FieldErrors::default();
        let text = |errors: &mut FieldErrors, field: &str, value: &str| {
            let value = value.trim().to_string();
            if value.chars().count() > MAX_TEXT {
                errors.add(field, format!("must be at most {MAX_TEXT} characters long"));
            }
            value
        };
        let general = GeneralSettings {
            ip_zone: text(&mut errors, "ip_zone", &input.ip_zone),
            time_zone: text(&mut errors, "time_zone", &input.time_zone),
            web_bridge_uri: text(&mut errors, "web_bridge_uri", &input.web_bridge_uri),
            system_contact: text(&mut errors, "system_contact", &input.system_contact),
            alert_contact_when_booked: input.alert_contact_when_booked,
        };
        let uri = general.web_bridge_uri.to_ascii_lowercase();
        if !uri.is_empty() && !uri.starts_with("https://") && !uri.starts_with("http://") {
            errors.add("web_bridge_uri", "must start with https:// (or http://)");
        }
        let alternate =
            self.parse_alternate(&record, stored.alternate.as_ref(), &input, &mut errors);
        errors.into_result().map_err(SystemError::Invalid)?;
        let no_alternate = alternate.is_none();
        self.systems
            .set_identity(id, &input.name, &input.description)
            .await?;
        self.store
            .save_settings(
                id,
                &SettingsRecord {
                    general,
                    scheduling: SchedulingSettings {
                        allow_booking: input.allow_booking,
                        allow_outgoing_sip: input.allow_outgoing_sip,
                        allow_incoming_sip: input.allow_incoming_sip,
                    },
                    sip_mode: input.sip_mode,
                    alternate,
                },
            )
            .await?;
        if no_alternate {
            self.store
                .close_tickets(id, TicketKind::AlternateUnreachable)
                .await?;
        }
        Ok(())
    }

    fn parse_alternate(
        &self,
        record: &crate::store::SystemRecord,
        stored: Option<&AlternateRecord>,
        input: &SettingsInput,
        errors: &mut FieldErrors,
    ) -> Option<AlternateRecord> {
        let typed = input.alternate_address.trim();
        if typed.is_empty() {
            return None;
        }
        let endpoint = errors.check("alternate_address", Endpoint::parse(typed))?;
        let address = endpoint.to_string();
        let is_member = record.members.iter().any(|m| {
            m.address
                .as_deref()
                .and_then(|a| Endpoint::parse(a).ok())
                .is_some_and(|a| a == endpoint)
        });
        if !is_member {
            errors.add(
                "alternate_address",
                "choose one of the call bridges discovered in the cluster",
            );
        }
        if Endpoint::parse(&record.summary.address).is_ok_and(|primary| primary == endpoint) {
            errors.add(
                "alternate_address",
                "is the primary itself; choose another call bridge",
            );
        }
        let username = input.alternate_username.trim();
        if username.is_empty() {
            errors.add("alternate_username", "is required for an alternate");
        }
        let password_sealed = if !input.alternate_password.is_empty() {
            Some(self.secrets.seal(&input.alternate_password))
        } else {
            match stored {
                Some(s) if s.address == address => Some(s.password_sealed.clone()),
                _ => {
                    errors.add("alternate_password", "is required for a new alternate");
                    None
                }
            }
        };
        Some(AlternateRecord {
            address,
            username: username.to_string(),
            password_sealed: password_sealed?,
        })
    }

    /// Saves the Connection tab: address, credentials (a blank password keeps the stored one)
    /// and TLS trust.
    pub async fn save_connection(
        &self,
        id: SystemId,
        input: ConnectionInput,
    ) -> Result<(), SystemError> {
        let record = self.systems.get(id).await?;
        let mut errors = FieldErrors::default();
        let endpoint = errors.check("address", Endpoint::parse(&input.address));
        let username = input.username.trim();
        if username.is_empty() {
            errors.add("username", "is required");
        }
        let tls = TlsChoice::parse(&input.tls);
        if tls.is_none() {
            errors.add("tls", "choose how to trust the system's certificate");
        }
        let pem = input.pinned_pem.trim();
        if tls == Some(TlsChoice::Pinned) {
            if pem.is_empty() {
                errors.add(
                    "pinned_pem",
                    "paste the system's certificate (PEM) to trust it",
                );
            } else {
                errors.check("pinned_pem", PinnedCertificate::from_pem(pem));
            }
        }
        if let Some(endpoint) = &endpoint {
            let address = endpoint.to_string();
            for (member, through) in self.store.cluster_member_addresses().await? {
                let same = Endpoint::parse(&member).is_ok_and(|m| &m == endpoint);
                if same && through != record.summary.address && through != address {
                    errors.add(
                        "address",
                        format!(
                            "{address} is part of a clustered call bridge already added through \
                             {through}"
                        ),
                    );
                }
            }
        }
        errors.into_result().map_err(SystemError::Invalid)?;
        let (Some(endpoint), Some(tls)) = (endpoint, tls) else {
            return Err(SystemError::Internal("checked above".into()));
        };
        // Another server while meetings run on this one would leave their calls up there, and
        // the engine (finding no placeholder on the new server) would call them finished.
        if endpoint.to_string() != record.summary.address {
            let running = self
                .store
                .meetings(&MeetingFilter {
                    system: Some(id),
                    states: MeetingState::ALL
                        .into_iter()
                        .filter(|s| s.is_live())
                        .collect(),
                    limit: Some(1),
                    ..MeetingFilter::default()
                })
                .await?;
            if let Some(meeting) = running.first() {
                return Err(SystemError::Invalid(FieldErrors::single(
                    "address",
                    format!(
                        "meetings are running on this system (\"{}\", {}): end them, or wait \
                         until they are over, before pointing it at another server",
                        meeting.title,
                        meeting.state.label()
                    ),
                )));
            }
        }
        let change = ConnectionChange {
            address: endpoint.to_string(),
            username: username.to_string(),
            password_sealed: (!input.password.is_empty())
                .then(|| self.secrets.seal(&input.password)),
            tls,
            pinned_pem: (tls == TlsChoice::Pinned).then(|| pem.to_string()),
        };
        match self.store.set_connection(id, &change).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SystemError::NotFound),
            Err(StoreError::Conflict { .. }) => Err(SystemError::Invalid(FieldErrors::single(
                "address",
                format!("{} has already been added", change.address),
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Ticket Filters: the kinds (by their `as_str` names) hidden for this system. Live tickets
    /// of a newly hidden kind are closed; hidden kinds are never raised for the system.
    pub async fn set_hidden_tickets(
        &self,
        id: SystemId,
        kinds: &[String],
    ) -> Result<(), SystemError> {
        self.systems.get(id).await?;
        let mut parsed = Vec::new();
        for kind in kinds {
            match TicketKind::parse(kind).filter(|k| filterable_ticket_kinds().any(|f| f == *k)) {
                Some(k) => parsed.push(k),
                None => {
                    return Err(SystemError::Invalid(FieldErrors::single(
                        "kinds",
                        format!("`{kind}` is not a ticket type that can be hidden"),
                    )));
                }
            }
        }
        self.store.set_hidden_ticket_kinds(id, &parsed).await?;
        Ok(())
    }

    /// One page of the system's API trace (its address and its alternate's), newest first.
    pub async fn logs(&self, id: SystemId, query: &TraceQuery) -> Result<TracePage, SystemError> {
        let record = self.systems.get(id).await?;
        let mut endpoints = vec![record.summary.address.clone()];
        endpoints.extend(record.alternate.map(|a| a.address));
        let (rows, total) = self
            .store
            .trace_page(&endpoints, query, TRACE_PAGE_SIZE)
            .await?;
        Ok(TracePage {
            rows,
            total,
            page: query.page.max(1),
            page_size: TRACE_PAGE_SIZE,
        })
    }
}
