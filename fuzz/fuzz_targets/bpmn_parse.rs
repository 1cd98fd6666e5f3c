//! Any byte string must either be rejected with a `BpmnError` or parse into validated
//! executable processes, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hornet_bpmn::parse_definitions(data);
});
