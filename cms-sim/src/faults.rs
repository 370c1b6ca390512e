//! Faults injected on demand: latency, 503s, 500s, dropped connections, wrong credentials,
//! malformed XML and bulk syncs that never finish or fail. The same struct is set from the
//! command line, the library API and the control API (`PUT /_sim/faults`, JSON).

use crate::bulk::SyncStatus;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added before every `/api/v1` answer.
    #[serde(rename = "latency_ms", with = "millis")]
    pub latency: Duration,
    /// Share of `/api/v1` requests answered `503` (0.0 – 1.0).
    pub busy_503_rate: f64,
    /// Share of `/api/v1` requests answered `500` (0.0 – 1.0).
    pub error_500_rate: f64,
    /// Share of `/api/v1` requests whose connection is closed without an answer (0.0 – 1.0).
    pub drop_connection_rate: f64,
    /// What bulk syncs do.
    pub bulk_sync: BulkSyncFault,
    /// Every `/api/v1` request gets `401`, whatever credentials it carries.
    pub wrong_credentials: bool,
    /// XML bodies are cut short (not well-formed).
    pub malformed_xml: bool,
    /// Every list answer claims this `total` (a hostile or buggy server), whatever it holds.
    pub claimed_total: Option<u64>,
}

/// What a bulk sync does when it is due to move on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkSyncFault {
    /// pending → running → complete (or a real failure status).
    #[default]
    Normal,
    /// Stays `pending` for as long as the fault is set.
    StayPending,
    /// Ends with this failure status and creates nothing.
    Fail(SyncStatus),
}

impl FromStr for BulkSyncFault {
    type Err = String;

    /// `normal`, `stay-pending` (or `stay_pending`), or a failure status such as
    /// `failedCoSpaceUriConflict`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "normal" => Ok(BulkSyncFault::Normal),
            "stay-pending" | "stay_pending" => Ok(BulkSyncFault::StayPending),
            other => match SyncStatus::parse(other) {
                Some(status) if status.is_failure() => Ok(BulkSyncFault::Fail(status)),
                _ => Err(format!(
                    "expected normal, stay-pending or a failure status (failedCoSpaceUriConflict, \
                     failedCallIdConflict, failedIndexRangeInvalid, failedIndexRangeTooGreat, \
                     failedNoSuchParameterSet, failed), got {other:?}"
                )),
            },
        }
    }
}

/// What the dice decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    Nothing,
    DropConnection,
    Busy503,
    Error500,
}

impl Faults {
    /// Checks the rates are shares and a failing bulk sync names a failure status.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("busy_503_rate", self.busy_503_rate),
            ("error_500_rate", self.error_500_rate),
            ("drop_connection_rate", self.drop_connection_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if let BulkSyncFault::Fail(status) = self.bulk_sync
            && !status.is_failure()
        {
            return Err(format!(
                "bulk_sync fail needs a failure status, got {}",
                status.as_str()
            ));
        }
        Ok(())
    }

    pub(crate) fn roll(&self, rng: &mut impl Rng) -> Injected {
        if hit(rng, self.drop_connection_rate) {
            Injected::DropConnection
        } else if hit(rng, self.busy_503_rate) {
            Injected::Busy503
        } else if hit(rng, self.error_500_rate) {
            Injected::Error500
        } else {
            Injected::Nothing
        }
    }
}

fn hit(rng: &mut impl Rng, rate: f64) -> bool {
    rate > 0.0 && (rate >= 1.0 || rng.gen_bool(rate))
}

/// Cuts an XML body short so that it is no longer well-formed.
pub(crate) fn malform(xml: &str) -> String {
    let mut cut = xml.len() * 2 / 3;
    while !xml.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}<", &xml[..cut])
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_uses_milliseconds_and_snake_case() {
        let faults = Faults {
            latency: Duration::from_millis(250),
            bulk_sync: BulkSyncFault::Fail(SyncStatus::FailedCallIdConflict),
            ..Faults::default()
        };
        let json = serde_json::to_value(&faults).expect("serialise");
        assert_eq!(json["latency_ms"], 250);
        assert_eq!(json["bulk_sync"]["fail"], "failedCallIdConflict");
        let back: Faults = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, faults);
    }

    #[test]
    fn partial_json_leaves_the_rest_default() {
        let faults: Faults =
            serde_json::from_str(r#"{"bulk_sync":"stay_pending"}"#).expect("deserialise");
        assert_eq!(faults.bulk_sync, BulkSyncFault::StayPending);
        assert_eq!(faults.latency, Duration::ZERO);
    }

    #[test]
    fn validation_refuses_bad_rates_and_non_failure_statuses() {
        let bad_rate = Faults {
            busy_503_rate: 1.5,
            ..Faults::default()
        };
        assert!(bad_rate.validate().is_err());
        let not_a_failure = Faults {
            bulk_sync: BulkSyncFault::Fail(SyncStatus::Complete),
            ..Faults::default()
        };
        assert!(not_a_failure.validate().is_err());
        assert!(Faults::default().validate().is_ok());
    }

    #[test]
    fn parses_the_command_line_spelling() {
        assert_eq!("stay-pending".parse(), Ok(BulkSyncFault::StayPending));
        assert_eq!(
            "failedCoSpaceUriConflict".parse(),
            Ok(BulkSyncFault::Fail(SyncStatus::FailedCoSpaceUriConflict))
        );
        assert!("complete".parse::<BulkSyncFault>().is_err());
    }

    #[test]
    fn malformed_xml_is_not_well_formed() {
        let cut = malform("<?xml version=\"1.0\"?><calls total=\"0\"></calls>");
        assert!(!cut.ends_with("</calls>"));
        assert!(cut.starts_with("<?xml"));
    }
}
