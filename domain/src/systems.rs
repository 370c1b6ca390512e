//! The system service: adding meeting servers (with detection as TMS does it), naming them, and
//! the tickets that follow. Every rule about systems lives here; the `cms` connector does the
//! talking.

use crate::FieldErrors;
use crate::secret_box::SecretBox;
use crate::store::TicketFilter;
use crate::store::progress::ProgressRecord;
use crate::store::{NewSystem, Store, StoreError, SystemRecord};
use crate::system::{
    ClusterMember, Connectivity, ExtendedSettings, IdRange, ProvisionPlan, Provisioning,
    ProvisioningState, SystemDetail, SystemId, SystemSummary, TlsChoice,
};
use crate::ticket::{BLANK_SYSTEM_NAME_MESSAGE, DIAL_NUMBER_MESSAGE, TicketKind, TicketState};
use cms::lifecycle::{
    PlaceholderPlan, PollPolicy, Profiles, TMS_NAME_PREFIX, provision_placeholders,
};
use cms::{
    CmsError, Connector, ConnectorConfig, Credentials, Endpoint, ErrorKind, PinnedCertificate,
    RetryPolicy, Target, TlsMode, TraceSink,
};
use std::sync::Arc;
use std::time::Duration;

/// What an administrator typed on the Add Systems form. Its `Debug` masks the password.
#[derive(Clone, Default)]
pub struct AddSystemInput {
    pub address: String,
    pub username: String,
    pub password: String,
    pub tls: String,
    pub pinned_pem: String,
}

impl std::fmt::Debug for AddSystemInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddSystemInput")
            .field("address", &self.address)
            .field("username", &self.username)
            .field("password", &crate::redacted::MASK)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("no such system")]
    NotFound,
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for SystemError {
    fn from(e: StoreError) -> Self {
        SystemError::Internal(e.to_string())
    }
}

/// What adding found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddOutcome {
    pub id: SystemId,
    pub connectivity: Connectivity,
    pub software_version: Option<String>,
    pub members: usize,
    /// Why the system could not be detected, when it could not.
    pub problem: Option<String>,
    pub tickets: Vec<TicketKind>,
}

/// What a reachable system told us when it was added.
struct Detected {
    software_version: String,
    cluster_enabled: bool,
    members: Vec<ClusterMember>,
    call_profile: String,
    call_leg_profile: String,
}

/// A running provisioning writes its progress at least this often, so that every node can tell
/// it is still under way.
const PROGRESS_HEARTBEAT: Duration = Duration::from_secs(5);

/// A provisioning reported as running but silent this long was cut short: the process running
/// it stopped (a crash, a restart). It is shown as failed, and may be started again.
const PROGRESS_SILENT_FOR: time::Duration = time::Duration::seconds(60);

/// The progress as every node shows it: the last report, unless it says "running" and has
/// not been renewed for [`PROGRESS_SILENT_FOR`].
fn progress_seen(record: ProgressRecord, now: time::OffsetDateTime) -> Provisioning {
    let mut progress = record.progress;
    if progress.state == ProvisioningState::Running && now - record.updated > PROGRESS_SILENT_FOR {
        progress.state = ProvisioningState::Failed;
        progress.message = format!(
            "Interrupted: the portal process provisioning the placeholder spaces stopped \
             (last report: {}). Save the Extended Settings again to finish. ({})",
            record
                .updated
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            progress.message
        );
    }
    progress
}

pub struct SystemService {
    store: Arc<dyn Store>,
    secrets: SecretBox,
    trace: Arc<dyn TraceSink>,
    request_timeout: Duration,
}

/// The largest Numeric ID Quantity: one bulk sync of at most this many spaces.
pub const MAX_QUANTITY: u64 = 10_000;
/// Numeric IDs are call IDs: at most ten digits.
pub const MAX_NUMERIC_ID: u64 = 9_999_999_999;

impl SystemService {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: SecretBox,
        trace: Arc<dyn TraceSink>,
        request_timeout: Duration,
    ) -> Self {
        Self {
            store,
            secrets,
            trace,
            request_timeout,
        }
    }

    pub async fn list(&self) -> Result<Vec<SystemSummary>, StoreError> {
        self.store.list_systems().await
    }

    pub async fn get(&self, id: SystemId) -> Result<SystemRecord, SystemError> {
        self.store.system(id).await?.ok_or(SystemError::NotFound)
    }

    /// The system's page: its record without the password, and its live tickets.
    pub async fn detail(&self, id: SystemId) -> Result<SystemDetail, SystemError> {
        let record = self.get(id).await?;
        let tickets = self
            .store
            .tickets(&TicketFilter {
                system: Some(id),
                states: vec![TicketState::Open, TicketState::Acknowledged],
                ..TicketFilter::default()
            })
            .await?;
        Ok(SystemDetail {
            summary: record.summary,
            username: record.username,
            tls: record.tls,
            cluster_enabled: record.cluster_enabled,
            members: record.members,
            tickets,
            extended: record.extended,
            provisioned: record.provisioned,
            provisioning: self.provisioning(id).await?,
        })
    }

    /// Placeholder provisioning under way or finished, whichever process runs or ran it.
    pub async fn provisioning(&self, id: SystemId) -> Result<Option<Provisioning>, StoreError> {
        let now = time::OffsetDateTime::now_utc();
        Ok(self
            .store
            .provisioning_progress(id)
            .await?
            .map(|record| progress_seen(record, now)))
    }

    /// What saving these Extended Settings would do, said before anything is done.
    pub async fn preview_extended(
        &self,
        id: SystemId,
        domain: &str,
        base: &str,
        quantity: &str,
    ) -> Result<ProvisionPlan, SystemError> {
        let settings = parse_extended(domain, base, quantity)?;
        let record = self.get(id).await?;
        Ok(ProvisionPlan::between(record.provisioned, settings.range))
    }

    /// Saves Domain, Numeric ID Base and Quantity, then provisions the placeholder spaces in the
    /// background (progress through [`SystemService::provisioning`]): creates the spaces of
    /// indexes new to the range, deletes ours that left it unless a call is running in them.
    pub async fn save_extended(
        &self,
        id: SystemId,
        domain: &str,
        base: &str,
        quantity: &str,
    ) -> Result<ProvisionPlan, SystemError> {
        let settings = parse_extended(domain, base, quantity)?;
        let record = self.get(id).await?;
        let busy = || {
            SystemError::Invalid(FieldErrors::single(
                "quantity",
                "placeholder spaces are being provisioned; wait until that has finished",
            ))
        };
        let now = time::OffsetDateTime::now_utc();
        let last = self.store.provisioning_progress(id).await?;
        if last
            .clone()
            .is_some_and(|record| progress_seen(record, now).state == ProvisioningState::Running)
        {
            return Err(busy());
        }
        let plan = ProvisionPlan::between(record.provisioned, settings.range);
        if plan.is_empty() {
            self.store.set_extended_settings(id, &settings).await?;
            self.store
                .close_tickets(id, TicketKind::DialNumberConfigurationError)
                .await?;
            return Ok(plan);
        }
        let cms = self.connector_for(&record)?;
        // Written before the settings and the answer, so every node shows it and refuses another
        // save meanwhile; of two saves on two nodes that read the same last report, one starts.
        let starting = Provisioning {
            state: ProvisioningState::Running,
            message: format!("Starting: {}", plan.describe()),
            plan: plan.clone(),
        };
        let last = last.map(|record| record.updated);
        // Later than the report it replaces, so that a second start decided on that report fails.
        let at = last
            .and_then(|last| last.checked_add(time::Duration::milliseconds(1)))
            .map_or(now, |after| now.max(after));
        if !self
            .store
            .start_provisioning(id, last, &starting, at)
            .await?
        {
            return Err(busy());
        }
        if let Err(e) = self.store.set_extended_settings(id, &settings).await {
            let failed = Provisioning {
                state: ProvisioningState::Failed,
                message: format!("Failed: the settings could not be saved ({e})"),
                plan: plan.clone(),
            };
            let _ = self
                .store
                .report_provisioning(id, &failed, time::OffsetDateTime::now_utc())
                .await;
            return Err(e.into());
        }
        let (progress, reports) = tokio::sync::watch::channel(starting);
        let writer = tokio::spawn(write_progress(self.store.clone(), id, reports));
        let job = ProvisioningJob {
            store: self.store.clone(),
            progress,
            cms,
            system: id,
            settings,
            plan: plan.clone(),
            profiles: record.call_profile_id.zip(record.call_leg_profile_id),
            previous: record.provisioned,
        };
        tokio::spawn(job.run(writer));
        Ok(plan)
    }

    /// A connector for a stored system: its address, its (unsealed) credentials, its TLS trust.
    pub fn connector_for(&self, record: &SystemRecord) -> Result<Connector, SystemError> {
        let endpoint = Endpoint::parse(&record.summary.address)
            .map_err(|e| SystemError::Internal(format!("stored address: {e}")))?;
        let password = self
            .secrets
            .open(&record.password_sealed)
            .map_err(|e| SystemError::Internal(e.to_string()))?;
        let tls = match record.tls {
            TlsChoice::Verify => TlsMode::VerifySystemRoots,
            TlsChoice::Insecure => TlsMode::NoVerification,
            TlsChoice::Pinned => TlsMode::PinnedCertificate(
                PinnedCertificate::from_pem(record.pinned_pem.as_deref().unwrap_or_default())
                    .map_err(|e| SystemError::Internal(format!("stored certificate: {e}")))?,
            ),
        };
        let mut config =
            self.connector_config(endpoint, Credentials::new(&record.username, password), tls);
        // Issue 5, failover: the Alternate IP, with its own credentials, is tried when the
        // primary cannot be reached.
        if let Some(alternate) = &record.alternate {
            config.alternates.push(Target {
                endpoint: Endpoint::parse(&alternate.address)
                    .map_err(|e| SystemError::Internal(format!("stored alternate address: {e}")))?,
                credentials: Credentials::new(
                    &alternate.username,
                    self.secrets
                        .open(&alternate.password_sealed)
                        .map_err(|e| SystemError::Internal(e.to_string()))?,
                ),
            });
        }
        Connector::new(config, self.trace.clone())
            .map_err(|e| SystemError::Invalid(FieldErrors::single("tls", e.to_string())))
    }

    /// Adds a system: parses the form, refuses an address already known (itself or as a member
    /// of a clustered system), detects the system as TMS does (status, call bridges and each call
    /// bridge, call profile and call leg profile) and saves it with its first tickets. A system
    /// that does not answer is still added, marked with what went wrong.
    pub async fn add(&self, input: AddSystemInput) -> Result<AddOutcome, SystemError> {
        let (endpoint, credentials, tls, pinned_pem, tls_mode) = parse_input(&input)?;
        let address = endpoint.to_string();
        for (member, through) in self.store.cluster_member_addresses().await? {
            if through != address && is_same_bridge(&endpoint, &member) {
                return Err(SystemError::Invalid(FieldErrors::single(
                    "address",
                    format!(
                        "The {} is part of a clustered call bridge and has already been added \
                         through {}. Retry after entering a new IP.",
                        shown(&address),
                        shown(&through)
                    ),
                )));
            }
        }
        let connector = self.connector(endpoint, credentials.clone(), tls_mode)?;
        let detected = detect(&connector).await;
        let mut tickets = vec![
            (
                TicketKind::BlankSystemName,
                BLANK_SYSTEM_NAME_MESSAGE.to_string(),
            ),
            (
                TicketKind::DialNumberConfigurationError,
                DIAL_NUMBER_MESSAGE.to_string(),
            ),
        ];
        let (connectivity, problem) = match &detected {
            Ok(_) => (Connectivity::Reachable, None),
            Err(e) => {
                let (connectivity, kind) = classify(e);
                tickets.push((kind, e.to_string()));
                (connectivity, Some(e.to_string()))
            }
        };
        let detected = detected.ok();
        let new = NewSystem {
            address: address.clone(),
            username: credentials.username.clone(),
            password_sealed: self.secrets.seal(credentials.password.expose()),
            tls,
            pinned_pem,
            software_version: detected.as_ref().map(|d| d.software_version.clone()),
            connectivity,
            cluster_enabled: detected.as_ref().is_some_and(|d| d.cluster_enabled),
            call_profile_id: detected.as_ref().map(|d| d.call_profile.clone()),
            call_leg_profile_id: detected.as_ref().map(|d| d.call_leg_profile.clone()),
            members: detected
                .as_ref()
                .map(|d| d.members.clone())
                .unwrap_or_default(),
            tickets: tickets.clone(),
        };
        let id = match self.store.insert_system(&new).await {
            Ok(id) => id,
            Err(StoreError::Conflict { .. }) => {
                return Err(SystemError::Invalid(FieldErrors::single(
                    "address",
                    format!("{address} has already been added"),
                )));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(AddOutcome {
            id,
            connectivity,
            software_version: new.software_version,
            members: new.members.len(),
            problem,
            tickets: tickets.into_iter().map(|(kind, _)| kind).collect(),
        })
    }

    /// Names a system; a name clears the Blank System Name ticket, a blank one raises it again.
    pub async fn set_identity(
        &self,
        id: SystemId,
        name: &str,
        description: &str,
    ) -> Result<(), SystemError> {
        let name = name.trim();
        let description = description.trim();
        let mut errors = FieldErrors::default();
        if name.chars().count() > 100 {
            errors.add("name", "must be at most 100 characters long");
        }
        if description.chars().count() > 500 {
            errors.add("description", "must be at most 500 characters long");
        }
        errors.into_result().map_err(SystemError::Invalid)?;
        if !self
            .store
            .set_system_identity(id, name, description)
            .await?
        {
            return Err(SystemError::NotFound);
        }
        if name.is_empty() {
            self.store
                .raise_ticket(id, TicketKind::BlankSystemName, BLANK_SYSTEM_NAME_MESSAGE)
                .await?;
        } else {
            self.store
                .close_tickets(id, TicketKind::BlankSystemName)
                .await?;
        }
        Ok(())
    }

    fn connector(
        &self,
        endpoint: Endpoint,
        credentials: Credentials,
        tls: TlsMode,
    ) -> Result<Connector, SystemError> {
        Connector::new(
            self.connector_config(endpoint, credentials, tls),
            self.trace.clone(),
        )
        .map_err(|e| SystemError::Invalid(FieldErrors::single("tls", e.to_string())))
    }

    fn connector_config(
        &self,
        endpoint: Endpoint,
        credentials: Credentials,
        tls: TlsMode,
    ) -> ConnectorConfig {
        let mut config = ConnectorConfig::new(Target {
            endpoint,
            credentials,
        });
        config.tls = tls;
        config.request_timeout = self.request_timeout;
        config.retry = RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        };
        config
    }
}

// --- For the scheduler engine (booking, issue 6) ---------------------------------------------
impl SystemService {
    /// Everything [`SystemService::scheduling_connector_for`] builds a connector from, as one
    /// string: a connector made from a record with another fingerprint is stale (the engine's
    /// cache compares them). Kept beside the builder so that both read the same fields.
    pub fn connector_fingerprint(record: &SystemRecord) -> String {
        let members: Vec<_> = record.members.iter().map(|m| m.address.clone()).collect();
        let alternate = record
            .alternate
            .as_ref()
            .map(|a| (&a.address, &a.username, &a.password_sealed));
        format!(
            "{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
            record.summary.address,
            record.username,
            record.password_sealed,
            record.tls,
            record.pinned_pem,
            alternate,
            members
        )
    }

    /// A connector for running meetings: the primary first, then the Alternate IP (its own
    /// credentials), then every other cluster member the system told us about (the primary's
    /// credentials and TLS trust), so a start fails over when the primary does not answer.
    pub fn scheduling_connector_for(
        &self,
        record: &SystemRecord,
    ) -> Result<Connector, SystemError> {
        let primary = Endpoint::parse(&record.summary.address)
            .map_err(|e| SystemError::Internal(format!("stored address: {e}")))?;
        let password = self
            .secrets
            .open(&record.password_sealed)
            .map_err(|e| SystemError::Internal(e.to_string()))?;
        let credentials = Credentials::new(&record.username, password);
        let tls = match record.tls {
            TlsChoice::Verify => TlsMode::VerifySystemRoots,
            TlsChoice::Insecure => TlsMode::NoVerification,
            TlsChoice::Pinned => TlsMode::PinnedCertificate(
                PinnedCertificate::from_pem(record.pinned_pem.as_deref().unwrap_or_default())
                    .map_err(|e| SystemError::Internal(format!("stored certificate: {e}")))?,
            ),
        };
        let mut config = self.connector_config(primary.clone(), credentials.clone(), tls);
        if let Some(alternate) = &record.alternate {
            config.alternates.push(Target {
                endpoint: Endpoint::parse(&alternate.address)
                    .map_err(|e| SystemError::Internal(format!("stored alternate address: {e}")))?,
                credentials: Credentials::new(
                    &alternate.username,
                    self.secrets
                        .open(&alternate.password_sealed)
                        .map_err(|e| SystemError::Internal(e.to_string()))?,
                ),
            });
        }
        for member in &record.members {
            let Some(endpoint) = member
                .address
                .as_deref()
                .and_then(|a| Endpoint::parse(a).ok())
            else {
                continue;
            };
            if endpoint != primary && config.alternates.iter().all(|t| t.endpoint != endpoint) {
                config.alternates.push(Target {
                    endpoint,
                    credentials: credentials.clone(),
                });
            }
        }
        // Many meetings start on the minute: let their requests overlap.
        config.max_in_flight = SCHEDULING_IN_FLIGHT;
        Connector::new(config, self.trace.clone()).map_err(|e| SystemError::Internal(e.to_string()))
    }
}

/// Requests in flight at once per call bridge when meetings start together.
const SCHEDULING_IN_FLIGHT: std::num::NonZeroUsize = match std::num::NonZeroUsize::new(16) {
    Some(n) => n,
    None => std::num::NonZeroUsize::MIN,
};

/// Writes a running provisioning's progress to the database as it changes, and again every
/// [`PROGRESS_HEARTBEAT`] (so other nodes can tell it is alive), until it has written the
/// outcome. One writer, one write at a time: an earlier report never lands after a later one.
async fn write_progress(
    store: Arc<dyn Store>,
    system: SystemId,
    mut reports: tokio::sync::watch::Receiver<Provisioning>,
) {
    loop {
        tokio::select! {
            changed = reports.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(PROGRESS_HEARTBEAT) => {}
        }
        let progress = reports.borrow_and_update().clone();
        if let Err(e) = store
            .report_provisioning(system, &progress, time::OffsetDateTime::now_utc())
            .await
        {
            tracing::warn!(system = system.0, error = %e, "writing provisioning progress");
        }
        if progress.state != ProvisioningState::Running {
            return;
        }
    }
}

/// Parses the Extended Settings form, every field's problem at once.
fn parse_extended(
    domain: &str,
    base: &str,
    quantity: &str,
) -> Result<ExtendedSettings, SystemError> {
    let mut errors = FieldErrors::default();
    let number =
        |text: &str, field: &str, errors: &mut FieldErrors| match text.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add(field, "must be a whole number");
                None
            }
        };
    let base = number(base, "base", &mut errors);
    let quantity = number(quantity, "quantity", &mut errors);
    if let Some(b) = base
        && !(1..=MAX_NUMERIC_ID).contains(&b)
    {
        errors.add("base", format!("must be between 1 and {MAX_NUMERIC_ID}"));
    }
    if let Some(q) = quantity
        && !(1..=MAX_QUANTITY).contains(&q)
    {
        errors.add("quantity", format!("must be between 1 and {MAX_QUANTITY}"));
    }
    if let (Some(b), Some(q)) = (base, quantity)
        && errors.is_empty()
        && b + q - 1 > MAX_NUMERIC_ID
    {
        errors.add(
            "quantity",
            format!("the last numeric ID would pass {MAX_NUMERIC_ID}"),
        );
    }
    let domain = domain.trim().to_ascii_lowercase();
    let probe = cms::NumericIdRange::new(1, 1).map_err(|e| SystemError::Internal(e.to_string()))?;
    if let Err(e) = PlaceholderPlan::new(probe, TMS_NAME_PREFIX, &domain) {
        errors.add("domain", e.to_string());
    }
    match (base, quantity) {
        (Some(base), Some(quantity)) if errors.is_empty() => Ok(ExtendedSettings {
            domain,
            range: IdRange { base, quantity },
        }),
        _ => Err(SystemError::Invalid(errors)),
    }
}

/// One provisioning of a system's placeholder spaces, run in the background.
struct ProvisioningJob {
    store: Arc<dyn Store>,
    /// What [`write_progress`] writes.
    progress: tokio::sync::watch::Sender<Provisioning>,
    cms: Connector,
    system: SystemId,
    settings: ExtendedSettings,
    plan: ProvisionPlan,
    /// Call profile and call leg profile ids, when detection made them.
    profiles: Option<(String, String)>,
    previous: Option<IdRange>,
}

impl ProvisioningJob {
    fn report(&self, state: ProvisioningState, message: String) {
        self.progress.send_replace(Provisioning {
            state,
            message,
            plan: self.plan.clone(),
        });
    }

    /// The outcome, written last by the progress writer (after any report it is writing).
    async fn finish(
        &self,
        writer: tokio::task::JoinHandle<()>,
        state: ProvisioningState,
        message: String,
    ) {
        self.report(state, message);
        if let Err(e) = writer.await {
            tracing::error!(system = self.system.0, error = %e, "the provisioning progress writer failed");
        }
    }

    async fn run(self, writer: tokio::task::JoinHandle<()>) {
        match self.provision().await {
            Ok(summary) => {
                let closed = async {
                    for kind in [
                        TicketKind::DialNumberConfigurationError,
                        TicketKind::PlaceholderProvisioningFailed,
                    ] {
                        self.store.close_tickets(self.system, kind).await?;
                    }
                    Ok::<_, StoreError>(())
                };
                if let Err(e) = closed.await {
                    tracing::error!(system = self.system.0, error = %e, "closing tickets after provisioning");
                }
                self.finish(writer, ProvisioningState::Complete, summary)
                    .await;
            }
            Err(reason) => {
                tracing::warn!(system = self.system.0, %reason, "placeholder provisioning failed");
                if let Err(e) = self
                    .store
                    .raise_ticket(
                        self.system,
                        TicketKind::PlaceholderProvisioningFailed,
                        &reason,
                    )
                    .await
                {
                    tracing::error!(system = self.system.0, error = %e, "raising a ticket");
                }
                self.finish(writer, ProvisioningState::Failed, reason).await;
            }
        }
    }

    async fn provision(&self) -> Result<String, String> {
        let profiles = self.profiles().await?;
        let mut created = Vec::new();
        for range in &self.plan.create {
            let plan = placeholder_plan(*range, &self.settings.domain)?;
            let spaces = provision_placeholders(
                &self.cms,
                &plan,
                &profiles,
                &PollPolicy::default(),
                |status| {
                    self.report(
                        ProvisioningState::Running,
                        format!(
                            "Creating placeholder spaces {}–{}: bulk sync {status:?}",
                            range.base,
                            range.last()
                        ),
                    )
                },
            )
            .await
            .map_err(|e| {
                format!(
                    "creating placeholder spaces {}–{}: {e}",
                    range.base,
                    range.last()
                )
            })?;
            created.extend(
                spaces
                    .iter()
                    .map(|p| (p.index(), p.id().as_str().to_string())),
            );
        }
        let (removed, kept_busy) = self.remove_unused().await?;
        // A space kept for its running meeting leaves our list now, so no new meeting is placed
        // in it nor counted on it; the engine deletes it once that meeting has ended.
        let retired: Vec<u64> = removed.iter().chain(&kept_busy).copied().collect();
        self.store
            .record_provisioning(self.system, self.settings.range, &created, &retired)
            .await
            .map_err(|e| e.to_string())?;
        let mut summary = format!(
            "Done: {} placeholder space(s) created, {} deleted.",
            created.len(),
            removed.len()
        );
        if !kept_busy.is_empty() {
            summary.push_str(&format!(
                " {} kept because a call is running in them: {:?}.",
                kept_busy.len(),
                kept_busy
            ));
        }
        Ok(summary)
    }

    /// The call profile and call leg profile, created now if detection could not.
    async fn profiles(&self) -> Result<Profiles, String> {
        if let Some((call, leg)) = &self.profiles {
            let invalid = |e: cms::ids::InvalidId| e.to_string();
            return Ok(Profiles {
                call_profile: call.parse().map_err(invalid)?,
                call_leg_profile: leg.parse().map_err(invalid)?,
            });
        }
        self.report(
            ProvisioningState::Running,
            "Creating the call profiles".into(),
        );
        let profiles = cms::lifecycle::prepare_profiles(&self.cms)
            .await
            .map_err(|e| format!("creating the call profiles: {e}"))?;
        self.store
            .set_profiles(
                self.system,
                profiles.call_profile.as_str(),
                profiles.call_leg_profile.as_str(),
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(profiles)
    }

    /// Deletes our placeholder spaces whose index left the range, unless a call runs in one.
    /// Each is checked to still be our placeholder before it is touched.
    async fn remove_unused(&self) -> Result<(Vec<u64>, Vec<u64>), String> {
        let (Some(previous), false) = (self.previous, self.plan.remove.is_empty()) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let old_plan = placeholder_plan(previous, &self.settings.domain)?;
        let ours = self
            .store
            .placeholders(self.system)
            .await
            .map_err(|e| e.to_string())?;
        let (mut removed, mut busy) = (Vec::new(), Vec::new());
        for (index, space) in ours {
            if !self.plan.remove.iter().any(|r| r.contains(index)) {
                continue;
            }
            self.report(
                ProvisioningState::Running,
                format!("Deleting placeholder space {index}"),
            );
            let id: cms::ids::CoSpaceId = space
                .parse()
                .map_err(|e: cms::ids::InvalidId| e.to_string())?;
            let placeholder =
                match cms::lifecycle::adopt_placeholder(&self.cms, &old_plan, &id).await {
                    Ok(p) => p,
                    Err(cms::lifecycle::AdoptError::Cms(e)) if e.is_not_found() => {
                        removed.push(index);
                        continue;
                    }
                    Err(e) => return Err(format!("checking placeholder space {index}: {e}")),
                };
            let calls = self
                .cms
                .calls(Some(placeholder.id()))
                .await
                .map_err(|e| format!("checking placeholder space {index} for calls: {e}"))?;
            if !calls.is_empty() {
                busy.push(index);
                continue;
            }
            match self.cms.delete_co_space(placeholder.id()).await {
                Ok(()) => removed.push(index),
                Err(e) if e.is_not_found() => removed.push(index),
                Err(e) => return Err(format!("deleting placeholder space {index}: {e}")),
            }
        }
        Ok((removed, busy))
    }
}

fn placeholder_plan(range: IdRange, domain: &str) -> Result<PlaceholderPlan, String> {
    let range = cms::NumericIdRange::new(range.base, range.quantity).map_err(|e| e.to_string())?;
    PlaceholderPlan::new(range, TMS_NAME_PREFIX, domain).map_err(|e| e.to_string())
}

type ParsedInput = (Endpoint, Credentials, TlsChoice, Option<String>, TlsMode);

fn parse_input(input: &AddSystemInput) -> Result<ParsedInput, SystemError> {
    let mut errors = FieldErrors::default();
    let endpoint = errors.check("address", Endpoint::parse(&input.address));
    let username = input.username.trim();
    if username.is_empty() {
        errors.add("username", "is required");
    }
    if input.password.is_empty() {
        errors.add("password", "is required");
    }
    let tls = TlsChoice::parse(&input.tls);
    if tls.is_none() {
        errors.add("tls", "choose how to trust the system's certificate");
    }
    let pem = input.pinned_pem.trim();
    let tls_mode = match tls {
        Some(TlsChoice::Pinned) if pem.is_empty() => {
            errors.add(
                "pinned_pem",
                "paste the system's certificate (PEM) to trust it",
            );
            None
        }
        Some(TlsChoice::Pinned) => errors
            .check("pinned_pem", PinnedCertificate::from_pem(pem))
            .map(TlsMode::PinnedCertificate),
        Some(TlsChoice::Verify) => Some(TlsMode::VerifySystemRoots),
        Some(TlsChoice::Insecure) => Some(TlsMode::NoVerification),
        None => None,
    };
    match (endpoint, tls, tls_mode) {
        (Some(endpoint), Some(tls), Some(mode)) if errors.is_empty() => Ok((
            endpoint,
            Credentials::new(username, input.password.clone()),
            tls,
            (tls == TlsChoice::Pinned).then(|| pem.to_string()),
            mode,
        )),
        _ => Err(SystemError::Invalid(errors)),
    }
}

/// Status, call bridges (and each one), then the two profiles: the requests TMS makes.
async fn detect(cms: &Connector) -> Result<Detected, CmsError> {
    let status = cms.system_status().await?;
    let mut members = Vec::new();
    for bridge in cms.call_bridges().await? {
        let full = cms.call_bridge(&bridge.id).await?;
        members.push(ClusterMember {
            bridge_id: full.id.as_str().to_string(),
            name: full.name,
            address: full.address,
        });
    }
    let profiles = cms::lifecycle::prepare_profiles(cms).await?;
    Ok(Detected {
        software_version: status.software_version,
        cluster_enabled: status.cluster_enabled.unwrap_or(!members.is_empty()),
        members,
        call_profile: profiles.call_profile.as_str().to_string(),
        call_leg_profile: profiles.call_leg_profile.as_str().to_string(),
    })
}

/// How a failed detection shows: the system's connectivity and the ticket it raises.
pub(crate) fn classify(error: &CmsError) -> (Connectivity, TicketKind) {
    match error.kind {
        ErrorKind::Unauthorized => (
            Connectivity::AuthenticationFailed,
            TicketKind::AuthenticationFailure,
        ),
        ErrorKind::Tls(_) => (
            Connectivity::CertificateNotTrusted,
            TicketKind::CertificateNotTrusted,
        ),
        _ => (Connectivity::NoResponse, TicketKind::ConnectionError),
    }
}

/// Whether a cluster member's stated address (`https://14.80.82.31`) is the endpoint being added.
/// Without a port in the member's address, the host alone decides (as in TMS).
fn is_same_bridge(endpoint: &Endpoint, member: &str) -> bool {
    let Ok(parsed) = Endpoint::parse(member) else {
        return false;
    };
    let has_port = host_of(member)
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host_of(member).ends_with(']');
    parsed.host() == endpoint.host() && (!has_port || parsed.port() == endpoint.port())
}

/// An address as TMS shows it: no scheme, no default port (`14.80.82.30`, `14.80.82.30:445`).
fn shown(address: &str) -> &str {
    let host = host_of(address);
    match address.starts_with("https://") {
        true => host.strip_suffix(":443").unwrap_or(host),
        false => host,
    }
}

/// `https://14.80.82.30:445` → `14.80.82.30:445`.
fn host_of(address: &str) -> &str {
    address
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(address)
        .trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_provisioning_that_stopped_reporting_is_shown_as_interrupted() {
        let now = time::OffsetDateTime::now_utc();
        let record = |state, silent: i64| ProgressRecord {
            progress: Provisioning {
                state,
                message: "Creating placeholder spaces 1–5".into(),
                plan: ProvisionPlan::default(),
            },
            updated: now - time::Duration::seconds(silent),
        };
        let alive = progress_seen(record(ProvisioningState::Running, 10), now);
        assert_eq!(alive.state, ProvisioningState::Running);
        let silent = progress_seen(record(ProvisioningState::Running, 61), now);
        assert_eq!(silent.state, ProvisioningState::Failed);
        assert!(
            silent.message.starts_with("Interrupted"),
            "{}",
            silent.message
        );
        assert!(silent.message.contains("Creating placeholder spaces 1–5"));
        let done = progress_seen(record(ProvisioningState::Complete, 3600), now);
        assert_eq!(done.state, ProvisioningState::Complete);
        assert_eq!(done.message, "Creating placeholder spaces 1–5");
    }

    #[test]
    fn cluster_members_match_by_host_and_stated_port() {
        let e = Endpoint::parse("14.80.82.31").unwrap();
        assert!(is_same_bridge(&e, "https://14.80.82.31"));
        assert!(!is_same_bridge(&e, "https://14.80.82.30"));
        let e445 = Endpoint::parse("14.80.82.31:445").unwrap();
        assert!(
            is_same_bridge(&e445, "https://14.80.82.31"),
            "no port stated: host decides"
        );
        let sim = Endpoint::parse("127.0.0.1:4444").unwrap();
        assert!(is_same_bridge(&sim, "https://127.0.0.1:4444"));
        assert!(!is_same_bridge(&sim, "https://127.0.0.1:4443"));
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        let Err(SystemError::Invalid(errors)) = parse_input(&AddSystemInput {
            address: "http://x/y".into(),
            tls: "pinned".into(),
            ..Default::default()
        }) else {
            panic!("expected errors");
        };
        for field in ["address", "username", "password", "pinned_pem"] {
            assert!(errors.for_field(field).is_some(), "{field}: {errors}");
        }
    }
}
