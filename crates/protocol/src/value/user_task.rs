//! Camunda user tasks (`bpmn:userTask` with `zeebe:userTask`): Zeebe's `UserTaskRecord`.

use crate::document::Document;
use crate::key::Key;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The attribute names an update may change (`changedAttributes`), as Zeebe spells them.
pub mod attribute {
    pub const ASSIGNEE: &str = "assignee";
    pub const CANDIDATE_GROUPS: &str = "candidateGroupsList";
    pub const CANDIDATE_USERS: &str = "candidateUsersList";
    pub const DUE_DATE: &str = "dueDate";
    pub const FOLLOW_UP_DATE: &str = "followUpDate";
    pub const PRIORITY: &str = "priority";
}

/// A user task, or a command on one. Fields in Zeebe's order; empty strings and `-1` stand for "not
/// set", as in Zeebe's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTaskRecord {
    pub user_task_key: Key,
    pub assignee: String,
    pub candidate_groups_list: Vec<String>,
    pub candidate_users_list: Vec<String>,
    /// A date-time in `java.time.ZonedDateTime.toString()` form, or empty.
    pub due_date: String,
    pub follow_up_date: String,
    /// The key of a deployed form; `-1` without one.
    pub form_key: i64,
    pub external_form_reference: String,
    /// On COMPLETE: the variables to merge; on events: the completion's variables.
    pub variables: Document,
    pub custom_headers: BTreeMap<String, String>,
    pub bpmn_process_id: String,
    pub process_definition_version: i32,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub element_id: String,
    pub element_instance_key: Key,
    pub tenant_id: String,
    /// On UPDATE: the attributes the changeset sets; on events: those that changed.
    pub changed_attributes: Vec<String>,
    /// Who or what asked for the transition (`complete`, `assign`, `claim`, `update` by default).
    pub action: String,
    /// When the task was created (epoch millis); `-1` on commands.
    pub creation_timestamp: i64,
    /// 0..=100; Zeebe's default is 50.
    pub priority: i32,
}

impl Default for UserTaskRecord {
    /// Zeebe's defaults: what a command carries for the fields it does not set.
    fn default() -> Self {
        UserTaskRecord {
            user_task_key: Key::NONE,
            assignee: String::new(),
            candidate_groups_list: Vec::new(),
            candidate_users_list: Vec::new(),
            due_date: String::new(),
            follow_up_date: String::new(),
            form_key: -1,
            external_form_reference: String::new(),
            variables: Document::empty(),
            custom_headers: BTreeMap::new(),
            bpmn_process_id: String::new(),
            process_definition_version: -1,
            process_definition_key: Key::NONE,
            process_instance_key: Key::NONE,
            element_id: String::new(),
            element_instance_key: Key::NONE,
            tenant_id: "<default>".to_string(),
            changed_attributes: Vec::new(),
            action: String::new(),
            creation_timestamp: -1,
            priority: 50,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RecordValue, UserTaskIntent, ValueType};

    #[test]
    fn exports_with_zeebe_field_names() {
        let record = UserTaskRecord {
            assignee: "demo".into(),
            candidate_groups_list: vec!["sales".into()],
            changed_attributes: vec![attribute::ASSIGNEE.into()],
            ..UserTaskRecord::default()
        };
        let value = RecordValue::UserTask(UserTaskIntent::Assigned, Box::new(record));
        assert_eq!(value.value_type(), ValueType::UserTask);
        assert_eq!(value.intent_name(), "ASSIGNED");
        let json = value.value_json();
        assert_eq!(json["assignee"], "demo");
        assert_eq!(json["candidateGroupsList"][0], "sales");
        assert_eq!(json["changedAttributes"][0], "assignee");
        assert_eq!(json["formKey"], -1);
        assert_eq!(json["priority"], 50);
        assert_eq!(json["userTaskKey"], -1);
    }
}
