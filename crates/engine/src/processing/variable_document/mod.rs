//! VARIABLE_DOCUMENT commands.

pub(crate) mod update;
