//! The variables document each benchmark instance is started with.
//!
//! Zeebe's benchmark starts instances with a realistic JSON payload of a configurable size. Here
//! the document has a few typed fields (so that the broker stores and copies a real object, not
//! just one string) and a filler string that brings its serialized size to the target exactly.
//! The content is fixed, so every run sends byte-identical payloads.

use serde_json::{json, Map, Value};

/// Fields present in every payload, before the filler.
fn base_fields() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "customerId": "customer-0001",
        "amount": 123.45,
        "express": true,
        "items": [1, 2, 3],
    }) else {
        unreachable!("a JSON object literal is an object")
    };
    map
}

/// Name of the field that pads the document to the requested size.
const FILLER_FIELD: &str = "filler";

/// Serialized size of the smallest payload this module builds: the base fields plus an empty
/// filler. Smaller targets get this document.
pub fn minimum_size() -> usize {
    build(0).to_string().len()
}

/// A JSON object whose compact serialization is `target_size` bytes long, or
/// [`minimum_size`] bytes if the target is smaller than that.
pub fn generate(target_size: usize) -> Value {
    let filler_length = target_size.saturating_sub(minimum_size());
    build(filler_length)
}

fn build(filler_length: usize) -> Value {
    let mut map = base_fields();
    // ASCII letters only, so every character is exactly one byte and needs no JSON escaping.
    let filler: String = (b'a'..=b'z')
        .cycle()
        .take(filler_length)
        .map(char::from)
        .collect();
    map.insert(FILLER_FIELD.into(), Value::String(filler));
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_size_matches_the_target() {
        for target in [minimum_size(), 100, 512, 1000, 4096, 45 * 1024] {
            let payload = generate(target);
            assert_eq!(payload.to_string().len(), target, "target {target}");
        }
    }

    #[test]
    fn payload_is_a_json_object_that_round_trips() {
        let text = generate(512).to_string();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let object = parsed.as_object().expect("payload must be a JSON object");
        assert_eq!(object["customerId"], "customer-0001");
        assert_eq!(object["items"], json!([1, 2, 3]));
        assert!(object[FILLER_FIELD].as_str().unwrap().starts_with("abc"));
    }

    #[test]
    fn small_targets_get_the_minimal_document() {
        let minimal = generate(0).to_string();
        assert_eq!(minimal.len(), minimum_size());
        assert!(
            minimum_size() < 100,
            "minimal payload is {} bytes",
            minimum_size()
        );
        assert_eq!(generate(5), generate(0));
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate(777), generate(777));
    }
}
