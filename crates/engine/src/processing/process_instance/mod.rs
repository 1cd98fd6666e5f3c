//! PROCESS_INSTANCE commands from clients (the element commands are in `bpmn`).

pub(crate) mod cancel;
