//! TIMER commands.

pub(crate) mod cron;
pub(crate) mod trigger;
