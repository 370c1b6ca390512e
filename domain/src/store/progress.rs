//! Placeholder provisioning's progress in the database: the process running a provisioning
//! writes it, every process serving the database reads it, so the system's page shows it from
//! any node. One row per system: the last report, and when it was written.

use super::StoreError;
use crate::system::{IdRange, Provisioning, ProvisioningState, SystemId};
use time::OffsetDateTime;

/// The last progress reported for a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRecord {
    pub progress: Provisioning,
    /// When it was written (a running provisioning writes at least every few seconds).
    pub updated: OffsetDateTime,
}

#[async_trait::async_trait]
pub trait ProgressStore: Send + Sync {
    /// Replaces the system's progress with `progress`, written at `at`.
    async fn report_provisioning(
        &self,
        system: SystemId,
        progress: &Provisioning,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Writes `progress` (a provisioning starting, written at `at`) only if the system's last
    /// report is still the one written at `last` (`None`: there was none): of two processes that
    /// read the same report and decided to provision, one starts. Whether this one did.
    async fn start_provisioning(
        &self,
        system: SystemId,
        last: Option<OffsetDateTime>,
        progress: &Provisioning,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// The system's last progress, if it was ever provisioned through the portal.
    async fn provisioning_progress(
        &self,
        system: SystemId,
    ) -> Result<Option<ProgressRecord>, StoreError>;
}

/// The state's name in the database.
pub fn state_name(state: ProvisioningState) -> &'static str {
    match state {
        ProvisioningState::Running => "running",
        ProvisioningState::Complete => "complete",
        ProvisioningState::Failed => "failed",
    }
}

pub fn parse_state(name: &str) -> Result<ProvisioningState, StoreError> {
    match name {
        "running" => Ok(ProvisioningState::Running),
        "complete" => Ok(ProvisioningState::Complete),
        "failed" => Ok(ProvisioningState::Failed),
        other => Err(StoreError::corrupt("provisioning state", other)),
    }
}

/// Ranges as the database keeps them: `base+quantity` separated by commas.
pub fn ranges_text(ranges: &[IdRange]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}+{}", r.base, r.quantity))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn parse_ranges(text: &str) -> Result<Vec<IdRange>, StoreError> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.split_once('+')
                .and_then(|(base, quantity)| {
                    Some(IdRange {
                        base: base.parse().ok()?,
                        quantity: quantity.parse().ok()?,
                    })
                })
                .ok_or_else(|| StoreError::corrupt("placeholder range", part))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_states_read_back_as_written() {
        let ranges = [
            IdRange {
                base: 1,
                quantity: 5,
            },
            IdRange {
                base: 9_999_999_000,
                quantity: 1000,
            },
        ];
        assert_eq!(parse_ranges(&ranges_text(&ranges)).unwrap(), ranges);
        assert!(parse_ranges("").unwrap().is_empty());
        assert!(parse_ranges("1+x").is_err());
        for state in [
            ProvisioningState::Running,
            ProvisioningState::Complete,
            ProvisioningState::Failed,
        ] {
            assert_eq!(parse_state(state_name(state)).unwrap(), state);
        }
    }
}
