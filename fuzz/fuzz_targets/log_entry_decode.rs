//! Log entries are read back from storage and received from Raft peers, so decoding arbitrary
//! bytes must fail with a `CodecError`, never panic. The first 8 bytes (little endian) are the
//! Raft index, the rest the encoded entry. A decoded entry must also survive a round trip:
//! encoding it and decoding the result at the same index gives the same entry back.
#![no_main]

use hornet_protocol::LogEntry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((index, bytes)) = data.split_first_chunk::<8>() else {
        return;
    };
    let index = u64::from_le_bytes(*index);
    let Ok(entry) = LogEntry::decode(index, bytes) else {
        return;
    };
    if let Ok(encoded) = entry.encode() {
        let again = LogEntry::decode(index, &encoded).expect("a re-encoded entry decodes");
        assert_eq!(again, entry, "log entry changed in a round trip");
    }
});
