//! The Ticketing Service: listing tickets, and what a person may do to one (acknowledge it, close
//! a custom one, add a custom one). These rules live here, but for which tickets may be closed by
//! hand ([`Ticket::may_close`]), which the page asks too. The portal itself raises and clears its
//! automatic tickets through the store as conditions come and go.

use crate::FieldErrors;
use crate::store::{Store, StoreError, TicketFilter};
use crate::system::SystemId;
use crate::ticket::{SystemName, Ticket, TicketPage, TicketQuery, TicketState};
use std::sync::Arc;

/// Tickets per page of the Ticketing Service.
pub const PAGE_SIZE: u32 = 50;
/// The longest custom ticket message, in characters.
pub const MESSAGE_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("no such ticket")]
    NotFound,
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for TicketError {
    fn from(e: StoreError) -> Self {
        TicketError::Internal(e.to_string())
    }
}

/// What someone typed on an Add custom ticket form.
#[derive(Debug, Clone, Default)]
pub struct CustomTicketInput {
    /// A system id, or blank for a ticket about no system.
    pub system: String,
    pub message: String,
}

pub struct TicketService {
    store: Arc<dyn Store>,
}

impl TicketService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// One page of the tickets the query asks for, newest first.
    pub async fn list(&self, query: &TicketQuery) -> Result<TicketPage, TicketError> {
        let mut filter = TicketFilter {
            system: query.system,
            states: query.state.states(),
            kind: query.kind,
            severity: query.severity,
            ..TicketFilter::default()
        };
        let total = self.store.count_tickets(&filter).await?;
        filter.limit = Some(PAGE_SIZE);
        filter.offset = u64::from(query.page.max(1) - 1) * u64::from(PAGE_SIZE);
        let tickets = self.store.tickets(&filter).await?;
        Ok(TicketPage {
            tickets,
            total,
            page: query.page.max(1),
            page_size: PAGE_SIZE,
        })
    }

    /// Every system by name, for the filters, the forms and the System column.
    pub async fn systems(&self) -> Result<Vec<SystemName>, TicketError> {
        Ok(self
            .store
            .list_systems()
            .await?
            .into_iter()
            .map(|s| SystemName {
                id: s.id,
                name: s.display_name(),
            })
            .collect())
    }

    /// Acknowledges an open ticket in someone's name: "seen, being dealt with".
    pub async fn acknowledge(&self, number: i64, by: &str) -> Result<(), TicketError> {
        let ticket = self.ticket(number).await?;
        if ticket.state != TicketState::Open {
            return Err(refused(format!(
                "ticket #{number} is not open (it is {})",
                ticket.state.label().to_lowercase()
            )));
        }
        // The store re-checks the state, so of two people acknowledging at once one is refused.
        if self.store.acknowledge_ticket(number, by).await? {
            Ok(())
        } else {
            Err(refused(format!("ticket #{number} is not open")))
        }
    }

    /// Closes a ticket by hand, when [`Ticket::may_close`] allows it.
    pub async fn close(&self, number: i64) -> Result<(), TicketError> {
        let ticket = self.ticket(number).await?;
        ticket.may_close().map_err(refused)?;
        if self.store.close_ticket(number).await? {
            Ok(())
        } else {
            Err(refused(format!("ticket #{number} is already closed")))
        }
    }

    /// Adds a custom ticket (a note for the help desk) about a system or about none; returns its
    /// number. Nothing is saved unless every field is right.
    pub async fn add_custom(
        &self,
        input: &CustomTicketInput,
        by: &str,
    ) -> Result<i64, TicketError> {
        let mut errors = FieldErrors::default();
        let system = match input.system.trim() {
            "" => None,
            id => match id.parse::<i64>() {
                Ok(id) if self.store.system(SystemId(id)).await?.is_some() => Some(SystemId(id)),
                _ => {
                    errors.add("system", "choose a system from the list, or none");
                    None
                }
            },
        };
        let message = input.message.trim();
        if message.is_empty() {
            errors.add("message", "is required");
        } else if message.chars().count() > MESSAGE_MAX {
            errors.add(
                "message",
                format!("must be at most {MESSAGE_MAX} characters long"),
            );
        }
        errors.into_result().map_err(TicketError::Invalid)?;
        Ok(self.store.add_custom_ticket(system, message, by).await?)
    }

    async fn ticket(&self, number: i64) -> Result<Ticket, TicketError> {
        self.store
            .ticket(number)
            .await?
            .ok_or(TicketError::NotFound)
    }
}

fn refused(message: String) -> TicketError {
    TicketError::Invalid(FieldErrors::single("number", message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewSystem, SqliteStore, SystemStore, TicketStore};
    use crate::system::{Connectivity, TlsChoice};
    use crate::ticket::{Severity, StateChoice, TicketKind};

    struct Fixture {
        service: TicketService,
        store: Arc<SqliteStore>,
        _dir: tempfile::TempDir,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Arc::new(SqliteStore::open(&url).await.unwrap());
        Fixture {
            service: TicketService::new(store.clone()),
            store,
            _dir: dir,
        }
    }

    /// A system with the two tickets every new system starts with.
    async fn system(store: &SqliteStore, address: &str) -> SystemId {
        store
            .insert_system(&NewSystem {
                address: address.into(),
                username: "admin".into(),
                password_sealed: "sealed".into(),
                tls: TlsChoice::Insecure,
                pinned_pem: None,
                software_version: None,
                connectivity: Connectivity::Reachable,
                cluster_enabled: false,
                call_profile_id: None,
                call_leg_profile_id: None,
                members: Vec::new(),
                tickets: vec![
                    (TicketKind::BlankSystemName, "blank".into()),
                    (TicketKind::DialNumberConfigurationError, "dial".into()),
                ],
            })
            .await
            .unwrap()
    }

    fn custom(system: &str, message: &str) -> CustomTicketInput {
        CustomTicketInput {
            system: system.into(),
            message: message.into(),
        }
    }

    fn field(result: Result<impl std::fmt::Debug, TicketError>, name: &str) -> String {
        match result {
            Err(TicketError::Invalid(errors)) => errors
                .for_field(name)
                .unwrap_or_else(|| panic!("no error for {name}: {errors}"))
                .to_string(),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn lists_newest_first_filtered_and_paged() {
        let f = fixture().await;
        let a = system(&f.store, "https://a:443").await;
        let b = system(&f.store, "https://b:443").await;
        let note = f
            .service
            .add_custom(&custom("", "note"), "hana")
            .await
            .unwrap();

        let all = f.service.list(&TicketQuery::default()).await.unwrap();
        assert_eq!(all.total, 5);
        let numbers: Vec<i64> = all.tickets.iter().map(|t| t.number).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable_by(|x, y| y.cmp(x));
        assert_eq!(numbers, sorted, "newest first");
        assert_eq!(numbers[0], note);
        let names = f.service.systems().await.unwrap();
        assert_eq!(names.iter().map(|s| s.id).collect::<Vec<_>>(), [a, b]);

        let of_b = TicketQuery {
            system: Some(b),
            kind: Some(TicketKind::BlankSystemName),
            ..TicketQuery::default()
        };
        let listed = f.service.list(&of_b).await.unwrap();
        assert_eq!(listed.total, 1);
        assert_eq!(listed.tickets[0].system, Some(b));
        assert_eq!(listed.tickets[0].kind, TicketKind::BlankSystemName);

        let major = TicketQuery {
            severity: Some(Severity::Major),
            ..TicketQuery::default()
        };
        let listed = f.service.list(&major).await.unwrap();
        assert_eq!(listed.total, 2);
        assert!(
            listed
                .tickets
                .iter()
                .all(|t| t.kind == TicketKind::DialNumberConfigurationError)
        );

        f.store
            .close_tickets(a, TicketKind::BlankSystemName)
            .await
            .unwrap();
        assert_eq!(
            f.service.list(&TicketQuery::default()).await.unwrap().total,
            4
        );
        let closed = TicketQuery {
            state: StateChoice::Only(TicketState::Closed),
            ..TicketQuery::default()
        };
        let listed = f.service.list(&closed).await.unwrap();
        assert_eq!(listed.total, 1);
        assert_eq!(listed.tickets[0].system, Some(a));
        let any = TicketQuery {
            state: StateChoice::Any,
            ..TicketQuery::default()
        };
        assert_eq!(f.service.list(&any).await.unwrap().total, 5);

        for i in 0..PAGE_SIZE {
            f.service
                .add_custom(&custom("", &format!("note {i}")), "hana")
                .await
                .unwrap();
        }
        let first = f.service.list(&TicketQuery::default()).await.unwrap();
        assert_eq!((first.total, first.pages()), (u64::from(PAGE_SIZE) + 4, 2));
        assert_eq!(first.tickets.len(), PAGE_SIZE as usize);
        let second = TicketQuery {
            page: 2,
            ..TicketQuery::default()
        };
        let second = f.service.list(&second).await.unwrap();
        assert_eq!(second.tickets.len(), 4);
        assert!(second.tickets[0].number < first.tickets[PAGE_SIZE as usize - 1].number);
    }

    #[tokio::test]
    async fn only_open_tickets_are_acknowledged_once() {
        let f = fixture().await;
        let a = system(&f.store, "https://a:443").await;
        let ticket = f
            .service
            .list(&TicketQuery::default())
            .await
            .unwrap()
            .tickets[0]
            .clone();
        assert_eq!(ticket.system, Some(a));

        f.service.acknowledge(ticket.number, "hana").await.unwrap();
        let again = f.service.list(&TicketQuery::default()).await.unwrap();
        let acknowledged = again
            .tickets
            .iter()
            .find(|t| t.number == ticket.number)
            .unwrap();
        assert_eq!(acknowledged.state, TicketState::Acknowledged);
        assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("hana"));

        let twice = f.service.acknowledge(ticket.number, "root").await;
        assert!(field(twice, "number").contains("is not open"));
        assert!(matches!(
            f.service.acknowledge(9999, "hana").await,
            Err(TicketError::NotFound)
        ));
        let still = f.store.ticket(ticket.number).await.unwrap().unwrap();
        assert_eq!(still.acknowledged_by.as_deref(), Some("hana"));
    }

    #[tokio::test]
    async fn custom_tickets_close_by_hand_automatic_ones_do_not() {
        let f = fixture().await;
        let a = system(&f.store, "https://a:443").await;
        let note = f
            .service
            .add_custom(
                &custom(&a.0.to_string(), "Projector in room 4 is broken"),
                "hana",
            )
            .await
            .unwrap();
        let automatic = f
            .service
            .list(&TicketQuery::default())
            .await
            .unwrap()
            .tickets
            .into_iter()
            .find(|t| t.kind != TicketKind::Custom)
            .unwrap();

        f.service
            .acknowledge(automatic.number, "hana")
            .await
            .unwrap();
        let refused = f.service.close(automatic.number).await;
        assert!(field(refused, "number").contains("acknowledge it instead"));
        let kept = f.store.ticket(automatic.number).await.unwrap().unwrap();
        assert_eq!(kept.state, TicketState::Acknowledged);

        f.service.acknowledge(note, "hana").await.unwrap();
        f.service.close(note).await.unwrap();
        let closed = f.store.ticket(note).await.unwrap().unwrap();
        assert_eq!(closed.state, TicketState::Closed);
        assert!(field(f.service.close(note).await, "number").contains("already closed"));
        assert!(matches!(
            f.service.close(9999).await,
            Err(TicketError::NotFound)
        ));
    }

    #[tokio::test]
    async fn custom_tickets_are_checked_field_by_field_and_nothing_is_saved_on_error() {
        let f = fixture().await;
        let a = system(&f.store, "https://a:443").await;
        let before = f.service.list(&TicketQuery::default()).await.unwrap().total;

        let result = f.service.add_custom(&custom("12345", "   "), "hana").await;
        let Err(TicketError::Invalid(errors)) = result else {
            panic!("expected errors, got {result:?}");
        };
        assert_eq!(errors.for_field("message"), Some("is required"));
        assert!(errors.for_field("system").is_some());
        let long = "x".repeat(MESSAGE_MAX + 1);
        let too_long = f.service.add_custom(&custom("", &long), "hana").await;
        assert_eq!(
            field(too_long, "message"),
            "must be at most 500 characters long"
        );
        let not_a_number = f.service.add_custom(&custom("one", "text"), "hana").await;
        assert!(field(not_a_number, "system").contains("choose a system"));
        assert_eq!(
            f.service.list(&TicketQuery::default()).await.unwrap().total,
            before
        );

        let exactly = "é".repeat(MESSAGE_MAX);
        let number = f
            .service
            .add_custom(
                &custom(&format!(" {} ", a.0), &format!("  {exactly}\n")),
                "hana",
            )
            .await
            .unwrap();
        let saved = f.store.ticket(number).await.unwrap().unwrap();
        assert_eq!(saved.message, exactly, "trimmed, counted in characters");
        assert_eq!(
            (saved.kind, saved.severity, saved.state, saved.system),
            (
                TicketKind::Custom,
                Severity::Warning,
                TicketState::Open,
                Some(a)
            )
        );
        assert_eq!(saved.raised_by.as_deref(), Some("hana"));
    }
}
