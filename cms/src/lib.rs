//! The Cisco Meeting Server API connector (issue 3).
