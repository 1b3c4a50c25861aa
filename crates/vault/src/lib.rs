//! The vault: every key and token sealed locally (Stronghold + AES-256-GCM).
//!
//! Built in its own issue; the crate exists so that the dependency graph of DESIGN.md holds
//! from the first commit.
