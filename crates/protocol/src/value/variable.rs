//! Variables and variable documents.

use crate::bpmn::named_enum;
use crate::document::Document;
use crate::key::Key;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// One variable in one scope. `value` is JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableRecord {
    pub name: SmolStr,
    pub value: String,
    pub scope_key: Key,
    pub process_instance_key: Key,
    pub process_definition_key: Key,
    pub bpmn_process_id: SmolStr,
    pub tenant_id: SmolStr,
}

named_enum! {
    /// Where SetVariables writes: only the given scope, or each variable to the nearest scope that has it.
    VariableDocumentUpdateSemantic {
        Local => "LOCAL",
        Propagate => "PROPAGATE",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableDocumentRecord {
    pub scope_key: Key,
    pub update_semantics: VariableDocumentUpdateSemantic,
    pub variables: Document,
    pub process_instance_key: Key,
    pub tenant_id: String,
}
