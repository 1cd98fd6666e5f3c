//! Any byte string must either be rejected with a `DmnError` or parse into validated DMN
//! definitions, in both the strict and the lenient parser, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hornet_dmn::parse_definitions(data);
    let _ = hornet_dmn::parse_definitions_lenient(data);
});
