//! Tickets: automatic ones raised and closed by monitoring, custom ones by people.

use super::StoreError;
use crate::system::SystemId;
use crate::ticket::{Severity, Ticket, TicketKind, TicketState};

/// Which tickets to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub system: Option<SystemId>,
    /// Only these states; empty = any.
    pub states: Vec<TicketState>,
    pub kind: Option<TicketKind>,
    pub severity: Option<Severity>,
    /// At most this many (`None` = all), after skipping `offset`.
    pub limit: Option<u32>,
    pub offset: u64,
}

#[async_trait::async_trait]
pub trait TicketStore: Send + Sync {
    /// Opens an automatic ticket unless one of that kind is already live for the system.
    async fn raise_ticket(
        &self,
        system: SystemId,
        kind: TicketKind,
        message: &str,
    ) -> Result<(), StoreError>;
    /// Closes the system's live tickets of that kind (the condition has cleared).
    async fn close_tickets(&self, system: SystemId, kind: TicketKind) -> Result<u64, StoreError>;
    async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>, StoreError>;
    /// How many tickets match the filter, ignoring its limit and offset.
    async fn count_tickets(&self, filter: &TicketFilter) -> Result<u64, StoreError>;
    async fn ticket(&self, number: i64) -> Result<Option<Ticket>, StoreError>;
    /// Closes a ticket that is not closed yet; false when there is none with that number.
    async fn close_ticket(&self, number: i64) -> Result<bool, StoreError>;
    /// Acknowledges an open ticket; false when there is no open ticket with that number.
    async fn acknowledge_ticket(&self, number: i64, by: &str) -> Result<bool, StoreError>;
    /// Opens a custom ticket in someone's name and returns its number.
    async fn add_custom_ticket(
        &self,
        system: Option<SystemId>,
        message: &str,
        by: &str,
    ) -> Result<i64, StoreError>;
}
