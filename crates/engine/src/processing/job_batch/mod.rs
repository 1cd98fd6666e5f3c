//! JOB_BATCH commands.

pub(crate) mod activate;
