//! PROCESS_INSTANCE_CREATION commands.

pub(crate) mod create;
