//! Domain model shared by the UI and the server.
