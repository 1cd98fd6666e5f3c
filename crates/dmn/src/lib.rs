//! DMN (Decision Model and Notation) for Hornet: DMN 1.1–1.5 XML parsed into a validated model
//! whose FEEL expressions are compiled once, and evaluated deterministically (no I/O, no
//! clock: the current time comes from [`EvalSettings`]).
//!
//! ```
//! use hornet_dmn::{parse_definitions, EvalSettings};
//! let xml = br#"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="n">
//!   <decision id="greeting" name="Greeting">
//!     <literalExpression><text>"Hello " + name</text></literalExpression>
//!   </decision>
//! </definitions>"#;
//! let defs = parse_definitions(xml).unwrap();
//! let vars: serde_json::Map<String, serde_json::Value> =
//!     serde_json::from_str(r#"{"name": "Ada"}"#).unwrap();
//! let result = defs.evaluate_decision("greeting", &vars, EvalSettings::default()).unwrap();
//! assert_eq!(result.output, hornet_feel::Value::string("Hello Ada"));
//! ```
//!
//! Internals: `xml` (XML tree with line numbers), `parse` (model building and FEEL
//! compilation), `feel_text` (quoting of DMN names with spaces for FEEL), `translate` (boxed
//! expressions as FEEL text, for BKMs and decision services called from FEEL), `eval` (DRG and
//! boxed expressions), `decision_table` (hit policies), `types` (typeRef conformance). The
//! public [`tck`] module is the DMN TCK runner.

mod decision_table;
mod error;
mod eval;
mod feel_text;
mod model;
mod parse;
mod result;
mod scope;
mod translate;
mod types;
mod xml;

pub mod tck;

pub use error::DmnError;
pub use feel_text::EvalSettings;
pub use model::{
    Aggregation, BusinessKnowledgeModel, Decision, DecisionService, DecisionType, Definitions,
    HitPolicy, InputData, ItemDefinition,
};
pub use result::{
    DecisionResult, EvaluatedDecision, EvaluatedInput, EvaluatedOutput, EvaluationFailure,
    MatchedRule,
};

use hornet_feel::{Context, Value, Variables};

/// Parses a DMN document. Fails on the first invalid element or FEEL expression, naming its
/// id and line.
pub fn parse_definitions(xml: &[u8]) -> Result<Definitions, DmnError> {
    let defs = parse::parse(xml)?;
    match defs.compile_errors.first() {
        Some(e) => Err(e.clone()),
        None => Ok(defs),
    }
}

/// Parses a DMN document, keeping elements whose FEEL does not compile: evaluating them fails
/// with the compile error, the rest of the model works. The errors are in
/// [`Definitions::compile_errors`]. Only malformed XML and structural errors fail.
pub fn parse_definitions_lenient(xml: &[u8]) -> Result<Definitions, DmnError> {
    parse::parse(xml)
}

impl Definitions {
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    pub fn input_data(&self) -> &[InputData] {
        &self.input_data
    }

    pub fn business_knowledge_models(&self) -> &[BusinessKnowledgeModel] {
        &self.bkms
    }

    pub fn decision_services(&self) -> &[DecisionService] {
        &self.decision_services
    }

    pub fn item_definitions(&self) -> &[ItemDefinition] {
        &self.item_definitions
    }

    /// FEEL and reference errors found while parsing (empty for a strictly parsed model).
    pub fn compile_errors(&self) -> &[DmnError] {
        &self.compile_errors
    }

    /// The decision with this id, or else with this name.
    pub fn decision(&self, id_or_name: &str) -> Option<&Decision> {
        self.decision_index(id_or_name).map(|i| &self.decisions[i])
    }

    fn decision_index(&self, id_or_name: &str) -> Option<usize> {
        self.decisions
            .iter()
            .position(|d| d.id == id_or_name)
            .or_else(|| self.decisions.iter().position(|d| d.name == id_or_name))
    }

    /// Evaluates a decision, after the decisions it requires. Input data are read from
    /// `variables` by name.
    pub fn evaluate_decision(
        &self,
        decision_id_or_name: &str,
        variables: &dyn Variables,
        settings: EvalSettings,
    ) -> Result<DecisionResult, EvaluationFailure> {
        let index = self
            .decision_index(decision_id_or_name)
            .ok_or_else(|| EvaluationFailure {
                failed_decision_id: decision_id_or_name.to_string(),
                error: DmnError::NotFound {
                    kind: "decision",
                    name: decision_id_or_name.to_string(),
                },
                evaluated_decisions: Vec::new(),
            })?;
        let mut ev = eval::Evaluator::new(self, settings);
        match ev.decision(index, variables) {
            Ok(output) => Ok(DecisionResult {
                output,
                evaluated_decisions: ev.evaluated,
            }),
            Err((failed_decision_id, error)) => Err(EvaluationFailure {
                failed_decision_id,
                error,
                evaluated_decisions: ev.evaluated,
            }),
        }
    }

    /// Invokes a decision service with its parameters (input decisions and input data) read
    /// from `variables` by name. One output decision: its value; several: a context.
    pub fn evaluate_decision_service(
        &self,
        service_id_or_name: &str,
        variables: &dyn Variables,
        settings: EvalSettings,
    ) -> Result<Value, DmnError> {
        let service = self
            .decision_services
            .iter()
            .find(|s| s.id == service_id_or_name)
            .or_else(|| {
                self.decision_services
                    .iter()
                    .find(|s| s.name == service_id_or_name)
            })
            .ok_or_else(|| DmnError::NotFound {
                kind: "decision service",
                name: service_id_or_name.to_string(),
            })?;
        self.service_output(service, variables, settings)
    }

    /// Invokes a business knowledge model with arguments by parameter name.
    pub fn invoke_business_knowledge_model(
        &self,
        bkm_id_or_name: &str,
        arguments: &Context,
        settings: EvalSettings,
    ) -> Result<Value, DmnError> {
        let bkm = self
            .bkms
            .iter()
            .find(|b| b.id == bkm_id_or_name)
            .or_else(|| self.bkms.iter().find(|b| b.name == bkm_id_or_name))
            .ok_or_else(|| DmnError::NotFound {
                kind: "business knowledge model",
                name: bkm_id_or_name.to_string(),
            })?;
        let args: Vec<(String, Value)> = arguments
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        eval::Evaluator::new(self, settings).invoke_bkm(bkm, &args, &hornet_feel::EmptyVariables)
    }
}

/// The engine shares parsed models between threads.
#[cfg(test)]
mod thread_safety {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn models_and_results_are_send_and_sync() {
        assert_send_sync::<super::Definitions>();
        assert_send_sync::<super::DecisionResult>();
        assert_send_sync::<super::EvaluationFailure>();
    }
}
