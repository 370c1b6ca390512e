//! A faithful Cisco Meeting Server API simulator (issue 4).
