//! Variables documents: JSON objects carried inside records.
//!
//! Zeebe carries variables as a document (msgpack there); Hornet keeps the JSON text the client sent, checked
//! once at the edge to be an object. In the compact log encoding it is a string; in human-readable encodings
//! (exported JSON) it is embedded as the object itself.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// A JSON object, stored as its text. Cheap to clone.
#[derive(Clone, PartialEq, Eq)]
pub struct Document(Arc<str>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("variables are not valid JSON: {0}")]
    InvalidJson(String),
    #[error("variables must be a JSON object, but got {0}")]
    NotAnObject(&'static str),
}

impl Document {
    /// The empty object `{}`.
    pub fn empty() -> Document {
        Document(Arc::from("{}"))
    }

    /// Parses and checks client-supplied variables. An empty or blank string means no variables, as in Zeebe.
    pub fn parse(text: &str) -> Result<Document, DocumentError> {
        if text.trim().is_empty() {
            return Ok(Document::empty());
        }
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DocumentError::InvalidJson(e.to_string()))?;
        match value {
            serde_json::Value::Object(_) => Ok(Document(Arc::from(text))),
            other => Err(DocumentError::NotAnObject(json_type_name(&other))),
        }
    }

    /// Builds a document from an object map.
    pub fn from_map(map: &serde_json::Map<String, serde_json::Value>) -> Document {
        // Serializing a map of JSON values cannot fail.
        Document(Arc::from(
            serde_json::to_string(map).unwrap_or_else(|_| "{}".into()),
        ))
    }

    /// Builds a document from values that are already JSON text, in name order, without parsing
    /// them into a tree and writing them out again.
    pub fn from_raw_values(
        values: &std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>,
    ) -> Document {
        // Serializing names and raw JSON values cannot fail.
        Document(Arc::from(
            serde_json::to_string(values).unwrap_or_else(|_| "{}".into()),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim() == "{}"
    }

    /// The document as a JSON object map.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::from_str(&self.0) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }
}

impl Default for Document {
    fn default() -> Self {
        Document::empty()
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How error messages name the JSON type of `value` ("a string", "an object", ...).
pub fn json_type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl Serialize for Document {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            let raw: &serde_json::value::RawValue =
                serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
            raw.serialize(serializer)
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let value = serde_json::Value::deserialize(deserializer)?;
            match value {
                serde_json::Value::Object(map) => Ok(Document::from_map(&map)),
                other => Err(de::Error::custom(format!(
                    "variables must be a JSON object, but got {}",
                    json_type_name(&other)
                ))),
            }
        } else {
            let text = String::deserialize(deserializer)?;
            Ok(Document(Arc::from(text)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_objects_and_blank() {
        assert_eq!(
            Document::parse(r#"{"a":1}"#).unwrap().as_str(),
            r#"{"a":1}"#
        );
        assert!(Document::parse("").unwrap().is_empty());
        assert!(Document::parse("  ").unwrap().is_empty());
    }

    #[test]
    fn rejects_non_objects_with_a_clear_message() {
        let err = Document::parse("[1,2]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "variables must be a JSON object, but got an array"
        );
        let err = Document::parse("{a:").unwrap_err();
        assert!(
            err.to_string().starts_with("variables are not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn embeds_as_object_in_json_and_string_in_postcard() {
        let doc = Document::parse(r#"{"a":[1,2]}"#).unwrap();
        assert_eq!(serde_json::to_string(&doc).unwrap(), r#"{"a":[1,2]}"#);
        let bytes = postcard::to_allocvec(&doc).unwrap();
        let back: Document = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, doc);
    }
}
