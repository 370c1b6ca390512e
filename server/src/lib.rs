//! The bridgekeeper server.
