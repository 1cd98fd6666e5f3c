//! Intents, one enum per value type, named as in Zeebe's protocol.
//!
//! Variants are encoded by index in the log: append new variants at the end, never reorder or remove.

use crate::bpmn::named_enum;

named_enum! {
    DeploymentIntent {
        Create => "CREATE",
        Created => "CREATED",
        Distribute => "DISTRIBUTE",
        Distributed => "DISTRIBUTED",
        FullyDistributed => "FULLY_DISTRIBUTED",
    }
}

named_enum! {
    ProcessIntent {
        Created => "CREATED",
        Deleting => "DELETING",
        Deleted => "DELETED",
    }
}

named_enum! {
    ProcessInstanceIntent {
        Cancel => "CANCEL",
        SequenceFlowTaken => "SEQUENCE_FLOW_TAKEN",
        ElementActivating => "ELEMENT_ACTIVATING",
        ElementActivated => "ELEMENT_ACTIVATED",
        ElementCompleting => "ELEMENT_COMPLETING",
        ElementCompleted => "ELEMENT_COMPLETED",
        ElementTerminating => "ELEMENT_TERMINATING",
        ElementTerminated => "ELEMENT_TERMINATED",
        ActivateElement => "ACTIVATE_ELEMENT",
        CompleteElement => "COMPLETE_ELEMENT",
        TerminateElement => "TERMINATE_ELEMENT",
        SequenceFlowDeleted => "SEQUENCE_FLOW_DELETED",
    }
}

named_enum! {
    ProcessInstanceCreationIntent {
        Create => "CREATE",
        Created => "CREATED",
        CreateWithAwaitingResult => "CREATE_WITH_AWAITING_RESULT",
    }
}

named_enum! {
    ProcessInstanceResultIntent {
        Completed => "COMPLETED",
    }
}

named_enum! {
    ProcessInstanceBatchIntent {
        Activate => "ACTIVATE",
        Activated => "ACTIVATED",
        Terminate => "TERMINATE",
        Terminated => "TERMINATED",
    }
}

named_enum! {
    JobIntent {
        Created => "CREATED",
        Complete => "COMPLETE",
        Completed => "COMPLETED",
        TimeOut => "TIME_OUT",
        TimedOut => "TIMED_OUT",
        Fail => "FAIL",
        Failed => "FAILED",
        UpdateRetries => "UPDATE_RETRIES",
        RetriesUpdated => "RETRIES_UPDATED",
        Cancel => "CANCEL",
        Canceled => "CANCELED",
        ThrowError => "THROW_ERROR",
        ErrorThrown => "ERROR_THROWN",
        RecurAfterBackoff => "RECUR_AFTER_BACKOFF",
        RecurredAfterBackoff => "RECURRED_AFTER_BACKOFF",
        Yield => "YIELD",
        Yielded => "YIELDED",
        UpdateTimeout => "UPDATE_TIMEOUT",
        TimeoutUpdated => "TIMEOUT_UPDATED",
    }
}

named_enum! {
    JobBatchIntent {
        Activate => "ACTIVATE",
        Activated => "ACTIVATED",
    }
}

named_enum! {
    IncidentIntent {
        Created => "CREATED",
        Resolve => "RESOLVE",
        Resolved => "RESOLVED",
    }
}

named_enum! {
    VariableIntent {
        Created => "CREATED",
        Updated => "UPDATED",
    }
}

named_enum! {
    VariableDocumentIntent {
        Update => "UPDATE",
        Updated => "UPDATED",
    }
}

named_enum! {
    MessageIntent {
        Publish => "PUBLISH",
        Published => "PUBLISHED",
        Expire => "EXPIRE",
        Expired => "EXPIRED",
    }
}

named_enum! {
    MessageSubscriptionIntent {
        Create => "CREATE",
        Created => "CREATED",
        Correlating => "CORRELATING",
        Correlate => "CORRELATE",
        Correlated => "CORRELATED",
        Reject => "REJECT",
        Rejected => "REJECTED",
        Delete => "DELETE",
        Deleted => "DELETED",
    }
}

named_enum! {
    ProcessMessageSubscriptionIntent {
        Creating => "CREATING",
        Create => "CREATE",
        Created => "CREATED",
        Correlate => "CORRELATE",
        Correlated => "CORRELATED",
        Deleting => "DELETING",
        Delete => "DELETE",
        Deleted => "DELETED",
    }
}

named_enum! {
    MessageStartEventSubscriptionIntent {
        Created => "CREATED",
        Correlated => "CORRELATED",
        Deleted => "DELETED",
    }
}

named_enum! {
    TimerIntent {
        Created => "CREATED",
        Trigger => "TRIGGER",
        Triggered => "TRIGGERED",
        Canceled => "CANCELED",
    }
}

named_enum! {
    SignalIntent {
        Broadcast => "BROADCAST",
        Broadcasted => "BROADCASTED",
    }
}

named_enum! {
    SignalSubscriptionIntent {
        Created => "CREATED",
        Deleted => "DELETED",
    }
}

named_enum! {
    EscalationIntent {
        Escalated => "ESCALATED",
        NotEscalated => "NOT_ESCALATED",
    }
}

named_enum! {
    ErrorIntent {
        Created => "CREATED",
    }
}

named_enum! {
    CommandDistributionIntent {
        Started => "STARTED",
        Distributing => "DISTRIBUTING",
        Acknowledge => "ACKNOWLEDGE",
        Acknowledged => "ACKNOWLEDGED",
        Finished => "FINISHED",
    }
}

named_enum! {
    DecisionIntent {
        Created => "CREATED",
        Deleted => "DELETED",
    }
}

named_enum! {
    DecisionRequirementsIntent {
        Created => "CREATED",
        Deleted => "DELETED",
    }
}

named_enum! {
    DecisionEvaluationIntent {
        Evaluate => "EVALUATE",
        Evaluated => "EVALUATED",
        Failed => "FAILED",
    }
}

named_enum! {
    ProcessEventIntent {
        Triggering => "TRIGGERING",
        Triggered => "TRIGGERED",
    }
}

named_enum! {
    CompensationSubscriptionIntent {
        Created => "CREATED",
        Triggered => "TRIGGERED",
        Completed => "COMPLETED",
        Deleted => "DELETED",
    }
}

named_enum! {
    /// Zeebe's `UserTaskIntent` (Camunda user tasks), in Zeebe's order.
    UserTaskIntent {
        Creating => "CREATING",
        Created => "CREATED",
        Complete => "COMPLETE",
        Completing => "COMPLETING",
        Completed => "COMPLETED",
        Canceling => "CANCELING",
        Canceled => "CANCELED",
        Assign => "ASSIGN",
        Assigning => "ASSIGNING",
        Assigned => "ASSIGNED",
        Claim => "CLAIM",
        Update => "UPDATE",
        Updating => "UPDATING",
        Updated => "UPDATED",
        Migrated => "MIGRATED",
        CompleteTaskListener => "COMPLETE_TASK_LISTENER",
        DenyTaskListener => "DENY_TASK_LISTENER",
        CompletionDenied => "COMPLETION_DENIED",
        Corrected => "CORRECTED",
        AssignmentDenied => "ASSIGNMENT_DENIED",
        Claiming => "CLAIMING",
        UpdateDenied => "UPDATE_DENIED",
        Create => "CREATE",
        Cancel => "CANCEL",
    }
}
