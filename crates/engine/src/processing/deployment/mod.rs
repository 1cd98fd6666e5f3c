//! DEPLOYMENT commands.

pub(crate) mod create;
mod dmn;
