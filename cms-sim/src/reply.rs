//! What a CMS API handler answers: a success (200, maybe a `Location`, maybe XML) or a failure
//! in the real server's `<failureDetails>` style.

use crate::xml::XmlWriter;

/// One answer to a `/api/v1` request, before faults are applied.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub xml: Option<String>,
}

impl Reply {
    /// 200 with an XML document.
    pub(crate) fn xml(xml: String) -> Self {
        Reply {
            status: 200,
            location: None,
            xml: Some(xml),
        }
    }

    /// 200, empty body: what PUT and DELETE answer.
    pub(crate) fn ok() -> Self {
        Reply {
            status: 200,
            location: None,
            xml: None,
        }
    }

    /// 200, empty body and `Location: /api/v1/<collection>/<id>`: what POST answers.
    pub(crate) fn created(collection: &str, id: uuid::Uuid) -> Self {
        Reply {
            status: 200,
            location: Some(format!("/api/v1/{collection}/{id}")),
            xml: None,
        }
    }
}

/// The failures CMS reports, each rendered as its real status and `<failureDetails>` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 404: the object named in the path does not exist (`coSpaceDoesNotExist`, ...).
    NotFound(&'static str),
    /// 400: a request that is well formed but refused (`duplicateCoSpaceUri`, a referenced
    /// profile that does not exist, `invalidOperation`, ...).
    Refused(&'static str),
    /// 400: `<parameterError parameter="..." error="..." />`.
    Parameter {
        parameter: &'static str,
        error: ParameterErrorKind,
    },
    /// 404: a path the API does not know.
    UnrecognisedObject,
    /// 405: a method the object does not support (inferred: the trace never shows one).
    MethodNotAllowed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParameterErrorKind {
    InvalidValue,
    Required,
}

impl ParameterErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ParameterErrorKind::InvalidValue => "invalidValue",
            ParameterErrorKind::Required => "required",
        }
    }
}

impl Failure {
    pub(crate) fn invalid(parameter: &'static str) -> Self {
        Failure::Parameter {
            parameter,
            error: ParameterErrorKind::InvalidValue,
        }
    }

    pub(crate) fn required(parameter: &'static str) -> Self {
        Failure::Parameter {
            parameter,
            error: ParameterErrorKind::Required,
        }
    }

    pub(crate) fn into_reply(self) -> Reply {
        let (status, xml) = match self {
            Failure::NotFound(name) => (404, Some(details(name, &[]))),
            Failure::Refused(name) => (400, Some(details(name, &[]))),
            Failure::Parameter { parameter, error } => (
                400,
                Some(details(
                    "parameterError",
                    &[("parameter", parameter), ("error", error.as_str())],
                )),
            ),
            Failure::UnrecognisedObject => (404, Some(details("unrecognisedObject", &[]))),
            Failure::MethodNotAllowed => (405, None),
        };
        Reply {
            status,
            location: None,
            xml,
        }
    }
}

fn details(name: &str, attrs: &[(&str, &str)]) -> String {
    let mut w = XmlWriter::new();
    w.open("failureDetails", &[]).empty_child(name, attrs);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_call_is_a_404_with_call_does_not_exist() {
        let reply = Failure::NotFound("callDoesNotExist").into_reply();
        assert_eq!(reply.status, 404);
        assert_eq!(
            reply.xml.as_deref(),
            Some("<?xml version=\"1.0\"?><failureDetails><callDoesNotExist /></failureDetails>")
        );
    }

    #[test]
    fn a_parameter_error_names_the_parameter() {
        let reply = Failure::invalid("passcode").into_reply();
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.xml.as_deref(),
            Some(
                "<?xml version=\"1.0\"?><failureDetails><parameterError parameter=\"passcode\" error=\"invalidValue\" /></failureDetails>"
            )
        );
    }
}
