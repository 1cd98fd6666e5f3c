//! Request checks done before anything is sent to a partition, with Zeebe's messages.

use hornet_protocol::Document;
use tonic::Status;

/// The tenant every resource belongs to while multi-tenancy is disabled (always, in Hornet for now).
pub const DEFAULT_TENANT: &str = "<default>";

/// Parses a `variables`-like JSON document property. Blank means "no variables".
pub fn document(property: &str, text: &str) -> Result<Document, Status> {
    Document::parse(text).map_err(|_| {
        // Re-parse to say precisely what was wrong; only on the error path.
        let detail = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => format!(
                "Expected document to be a root level object, but was '{}'",
                msgpack_type_name(&value)
            ),
            Err(error) => format!("Expected document to be valid JSON, but it was not: {error}"),
        };
        Status::invalid_argument(format!("Property '{property}' is invalid: {detail}"))
    })
}

/// Zeebe converts JSON to MessagePack and names the root's MessagePack type in its message.
fn msgpack_type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "NIL",
        serde_json::Value::Bool(_) => "BOOLEAN",
        serde_json::Value::Number(n) if n.is_f64() => "FLOAT",
        serde_json::Value::Number(_) => "INTEGER",
        serde_json::Value::String(_) => "STRING",
        serde_json::Value::Array(_) => "ARRAY",
        serde_json::Value::Object(_) => "MAP",
    }
}

/// The tenant of a request: empty or `<default>` is the default tenant; anything else is refused because
/// multi-tenancy is disabled.
pub fn tenant(rpc: &str, tenant_id: &str) -> Result<String, Status> {
    if tenant_id.is_empty() || tenant_id == DEFAULT_TENANT {
        Ok(DEFAULT_TENANT.to_owned())
    } else {
        Err(Status::invalid_argument(format!(
            "Expected to handle gRPC request {rpc} with tenant identifier '{tenant_id}', but multi-tenancy is disabled"
        )))
    }
}

/// The tenants of a request that may name several (job activation).
pub fn tenants(rpc: &str, tenant_ids: &[String]) -> Result<Vec<String>, Status> {
    if tenant_ids
        .iter()
        .all(|t| t.is_empty() || t == DEFAULT_TENANT)
    {
        Ok(vec![DEFAULT_TENANT.to_owned()])
    } else {
        Err(Status::invalid_argument(format!(
            "Expected to handle gRPC request {rpc} with tenant identifiers '[{}]', but multi-tenancy is disabled",
            tenant_ids.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn documents_must_be_objects_and_errors_name_the_property() {
        assert_eq!(
            document("variables", r#"{"a":1}"#).unwrap().as_str(),
            r#"{"a":1}"#
        );
        assert!(document("variables", "").unwrap().is_empty());
        let status = document("variables", "[]").unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'"
        );
        assert!(document("variables", "7")
            .unwrap_err()
            .message()
            .ends_with("'INTEGER'"));
        assert!(document("variables", "7.5")
            .unwrap_err()
            .message()
            .ends_with("'FLOAT'"));
        assert!(document("variables", "null")
            .unwrap_err()
            .message()
            .ends_with("'NIL'"));
        let status = document("variables", "{not json").unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status
                .message()
                .starts_with("Property 'variables' is invalid: Expected document to be valid JSON"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn only_the_default_tenant_is_accepted() {
        assert_eq!(tenant("DeployResource", "").unwrap(), DEFAULT_TENANT);
        assert_eq!(
            tenant("DeployResource", "<default>").unwrap(),
            DEFAULT_TENANT
        );
        let status = tenant("DeployResource", "acme").unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "Expected to handle gRPC request DeployResource with tenant identifier 'acme', but multi-tenancy is disabled"
        );
        assert_eq!(
            tenants("ActivateJobs", &[]).unwrap(),
            vec![DEFAULT_TENANT.to_owned()]
        );
        assert!(tenants("ActivateJobs", &["<default>".into(), "x".into()]).is_err());
    }
}
