//! BPMN element and event types as Zeebe's protocol names them; they appear in process instance records.

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The protocol name, as Zeebe spells it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named_enum;

named_enum! {
    /// The kind of a BPMN element, as in Zeebe's `BpmnElementType`.
    BpmnElementType {
        Unspecified => "UNSPECIFIED",
        Process => "PROCESS",
        SubProcess => "SUB_PROCESS",
        EventSubProcess => "EVENT_SUB_PROCESS",
        AdHocSubProcess => "AD_HOC_SUB_PROCESS",
        StartEvent => "START_EVENT",
        IntermediateCatchEvent => "INTERMEDIATE_CATCH_EVENT",
        IntermediateThrowEvent => "INTERMEDIATE_THROW_EVENT",
        BoundaryEvent => "BOUNDARY_EVENT",
        EndEvent => "END_EVENT",
        ServiceTask => "SERVICE_TASK",
        ReceiveTask => "RECEIVE_TASK",
        UserTask => "USER_TASK",
        ManualTask => "MANUAL_TASK",
        Task => "TASK",
        ExclusiveGateway => "EXCLUSIVE_GATEWAY",
        InclusiveGateway => "INCLUSIVE_GATEWAY",
        ParallelGateway => "PARALLEL_GATEWAY",
        EventBasedGateway => "EVENT_BASED_GATEWAY",
        SequenceFlow => "SEQUENCE_FLOW",
        MultiInstanceBody => "MULTI_INSTANCE_BODY",
        CallActivity => "CALL_ACTIVITY",
        BusinessRuleTask => "BUSINESS_RULE_TASK",
        ScriptTask => "SCRIPT_TASK",
        SendTask => "SEND_TASK",
    }
}

named_enum! {
    /// The event definition of a BPMN event, as in Zeebe's `BpmnEventType`.
    BpmnEventType {
        Unspecified => "UNSPECIFIED",
        None => "NONE",
        Timer => "TIMER",
        Message => "MESSAGE",
        Error => "ERROR",
        Signal => "SIGNAL",
        Escalation => "ESCALATION",
        Terminate => "TERMINATE",
        Link => "LINK",
        Compensation => "COMPENSATION",
        Conditional => "CONDITIONAL",
    }
}
