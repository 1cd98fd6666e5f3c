//! MESSAGE and PROCESS_MESSAGE_SUBSCRIPTION commands (correlation within one partition).

pub(crate) mod correlate;
pub(crate) mod expire;
pub(crate) mod publish;
