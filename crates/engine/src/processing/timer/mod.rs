//! TIMER commands.

pub(crate) mod trigger;
