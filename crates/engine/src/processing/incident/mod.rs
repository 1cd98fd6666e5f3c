//! INCIDENT commands.

pub(crate) mod resolve;
