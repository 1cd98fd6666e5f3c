//! DEPLOYMENT commands.

pub(crate) mod create;
