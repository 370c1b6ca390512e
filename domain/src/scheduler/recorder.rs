//! The engine's steps, written down in batches. Every step still waits for its own record (the
//! "before" is on disk before a request goes out, the "after" before the engine moves on), but
//! the steps of many meetings that arrive together share one transaction: 500 meetings
//! starting on the minute cost a few commits instead of a thousand, each of which would wait
//! for the disk and for the others' hold on SQLite's single write lock.

use crate::booking::{MeetingId, MeetingState};
use crate::lease::Fence;
use crate::scheduler::steps::EngineSteps;
use crate::store::bookings::Step;
use crate::store::{Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Steps committed together at most, so one transaction never holds the write lock for long.
const BATCH: usize = 256;

/// A step to record: the meeting, the state it must still be in, the change.
pub(super) type Entry = (MeetingId, MeetingState, Step);

type Outcome = Result<bool, StoreError>;

struct Queued {
    entry: Entry,
    done: oneshot::Sender<Outcome>,
}

/// Hands steps to the [`Writer`] and waits for their outcome. Cheap to clone.
#[derive(Clone)]
pub(super) struct Recorder {
    queue: mpsc::UnboundedSender<Queued>,
}

/// Commits what the recorders queue, as many steps per transaction as are waiting.
pub(super) struct Writer {
    store: Arc<dyn Store>,
    /// The engine's lease, checked by every batch when the engine runs under one.
    fence: Option<Fence>,
    queue: mpsc::UnboundedReceiver<Queued>,
}

pub(super) fn recorder(store: Arc<dyn Store>, fence: Option<Fence>) -> (Recorder, Writer) {
    let (sender, queue) = mpsc::unbounded_channel();
    (
        Recorder { queue: sender },
        Writer {
            store,
            fence,
            queue,
        },
    )
}

impl Recorder {
    /// Records one step (see [`EngineSteps::record_steps`]).
    pub(super) async fn record(&self, entry: Entry) -> Outcome {
        self.record_all(vec![entry])
            .await
            .pop()
            .unwrap_or_else(|| Err(stopped()))
    }

    /// Records several steps that the caller needs on disk before it goes on; they are queued
    /// together, so they normally share a transaction. Outcomes in order.
    pub(super) async fn record_all(&self, entries: Vec<Entry>) -> Vec<Outcome> {
        let mut waiting = Vec::with_capacity(entries.len());
        for entry in entries {
            let (done, outcome) = oneshot::channel();
            // A send fails only once the writer is gone; the outcome then says so.
            let _ = self.queue.send(Queued { entry, done });
            waiting.push(outcome);
        }
        let mut outcomes = Vec::with_capacity(waiting.len());
        for outcome in waiting {
            outcomes.push(outcome.await.unwrap_or_else(|_| Err(stopped())));
        }
        outcomes
    }
}

impl Writer {
    /// Writes until every [`Recorder`] is gone and the queue is empty.
    pub(super) async fn run(mut self) {
        let mut batch = Vec::with_capacity(BATCH);
        while self.queue.recv_many(&mut batch, BATCH).await > 0 {
            let (entries, waiting): (Vec<Entry>, Vec<_>) =
                batch.drain(..).map(|q| (q.entry, q.done)).unzip();
            match self.store.record_steps(self.fence.as_ref(), &entries).await {
                Ok(outcomes) => {
                    for (done, outcome) in waiting.into_iter().zip(outcomes) {
                        let _ = done.send(outcome);
                    }
                }
                Err(StoreError::Fenced) => {
                    tracing::warn!(
                        steps = waiting.len(),
                        "scheduler: steps refused, the engine's lease is lost"
                    );
                    for done in waiting {
                        let _ = done.send(Err(StoreError::Fenced));
                    }
                }
                Err(e) => {
                    let e = std::sync::Arc::new(e);
                    for done in waiting {
                        let _ = done.send(Err(StoreError::Batch(e.clone())));
                    }
                }
            }
        }
    }
}

fn stopped() -> StoreError {
    StoreError::WriterStopped
}
