//! SIGNAL commands.

pub(crate) mod broadcast;
