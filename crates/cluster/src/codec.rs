//! postcard encoding of the values carried as opaque bytes (openraft messages, records).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Encodes `value`; the error names what was being encoded.
pub(crate) fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, String> {
    postcard::to_allocvec(value).map_err(|err| format!("cannot encode {what}: {err}"))
}

/// Decodes a `T` from all of `bytes`; trailing bytes are an error, as they mean the peer sent
/// something else than what it claims.
pub(crate) fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, String> {
    let (value, rest) = postcard::take_from_bytes(bytes)
        .map_err(|err| format!("cannot decode {what} ({} bytes): {err}", bytes.len()))?;
    if !rest.is_empty() {
        return Err(format!(
            "cannot decode {what}: {} trailing bytes after the value",
            rest.len()
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage_and_trailing_bytes() {
        let bytes = encode("pair", &(7u64, "x".to_string())).unwrap();
        assert_eq!(
            decode::<(u64, String)>("pair", &bytes).unwrap(),
            (7, "x".to_string())
        );
        let mut longer = bytes.clone();
        longer.push(0);
        let err = decode::<(u64, String)>("pair", &longer).unwrap_err();
        assert!(err.contains("1 trailing bytes"), "{err}");
        let err = decode::<(u64, String)>("pair", &[0xff]).unwrap_err();
        assert!(err.starts_with("cannot decode pair (1 bytes)"), "{err}");
    }
}
