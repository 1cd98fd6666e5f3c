//! The validated DMN model: the decision requirements graph and the boxed expressions of its
//! elements, with every FEEL expression compiled once when the model is parsed.

use crate::feel_text::FeelExpr;
use crate::feel_text::FeelTests;
use crate::types::TypeRef;

/// A parsed `<definitions>` document.
#[derive(Debug, Clone)]
pub struct Definitions {
    pub id: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub(crate) item_definitions: Vec<ItemDefinition>,
    pub(crate) input_data: Vec<InputData>,
    pub(crate) decisions: Vec<Decision>,
    pub(crate) bkms: Vec<BusinessKnowledgeModel>,
    pub(crate) decision_services: Vec<DecisionService>,
    /// FEEL source that failed to compile; evaluating an element that uses it fails.
    pub(crate) compile_errors: Vec<crate::DmnError>,
}

/// `<itemDefinition>` or `<itemComponent>`: a named type.
#[derive(Debug, Clone)]
pub struct ItemDefinition {
    pub name: String,
    pub(crate) type_ref: Option<TypeRef>,
    pub(crate) components: Vec<ItemDefinition>,
    pub(crate) allowed_values: Option<FeelTests>,
    pub(crate) type_constraint: Option<FeelTests>,
    pub is_collection: bool,
    /// A `functionItem` type: values must be functions.
    pub(crate) is_function: bool,
}

/// `<inputData>`: a value supplied by the caller, by name.
#[derive(Debug, Clone)]
pub struct InputData {
    pub id: String,
    pub name: String,
    pub(crate) type_ref: Option<TypeRef>,
}

/// `<decision>`.
#[derive(Debug, Clone)]
pub struct Decision {
    pub id: String,
    pub name: String,
    pub(crate) type_ref: Option<TypeRef>,
    /// Ids of required decisions (`informationRequirement/requiredDecision`), in document order.
    pub(crate) required_decisions: Vec<String>,
    /// Ids of required input data.
    pub(crate) required_inputs: Vec<String>,
    /// Ids of required BKMs and decision services.
    pub(crate) required_knowledge: Vec<String>,
    pub(crate) logic: Option<BoxedExpression>,
    pub line: usize,
}

impl Decision {
    /// Ids of the decisions this decision requires, in document order.
    pub fn required_decisions(&self) -> &[String] {
        &self.required_decisions
    }

    /// Ids of the input data this decision requires.
    pub fn required_inputs(&self) -> &[String] {
        &self.required_inputs
    }

    /// Ids of the business knowledge models and decision services this decision requires.
    pub fn required_knowledge(&self) -> &[String] {
        &self.required_knowledge
    }

    /// The kind of the decision logic, as Zeebe reports it (`DECISION_TABLE`, ...).
    pub fn decision_type(&self) -> DecisionType {
        match &self.logic {
            Some(BoxedExpression::DecisionTable(_)) => DecisionType::DecisionTable,
            Some(BoxedExpression::Literal(_)) => DecisionType::LiteralExpression,
            Some(BoxedExpression::Context(_)) => DecisionType::Context,
            Some(BoxedExpression::Invocation(_)) => DecisionType::Invocation,
            Some(BoxedExpression::List(_)) => DecisionType::List,
            Some(BoxedExpression::Relation(_)) => DecisionType::Relation,
            Some(BoxedExpression::FunctionDefinition(_)) => DecisionType::FunctionDefinition,
            Some(_) => DecisionType::Other,
            None => DecisionType::None,
        }
    }
}

/// The kind of a decision's logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionType {
    DecisionTable,
    LiteralExpression,
    Context,
    Invocation,
    List,
    Relation,
    FunctionDefinition,
    /// Conditional, filter, iterator boxed expressions (DMN 1.4+).
    Other,
    /// No decision logic at all.
    None,
}

impl DecisionType {
    /// The name Zeebe uses in `EvaluatedDecision.decisionType`.
    pub fn zeebe_name(&self) -> &'static str {
        match self {
            DecisionType::DecisionTable => "DECISION_TABLE",
            DecisionType::LiteralExpression => "LITERAL_EXPRESSION",
            DecisionType::Context => "CONTEXT",
            DecisionType::Invocation => "INVOCATION",
            DecisionType::List => "LIST",
            DecisionType::Relation => "RELATION",
            DecisionType::FunctionDefinition => "FUNCTION_DEFINITION",
            DecisionType::Other | DecisionType::None => "UNKNOWN",
        }
    }
}

/// `<businessKnowledgeModel>`: a reusable function.
#[derive(Debug, Clone)]
pub struct BusinessKnowledgeModel {
    pub id: String,
    pub name: String,
    pub(crate) logic: Option<FunctionDefinition>,
    pub(crate) required_knowledge: Vec<String>,
}

impl BusinessKnowledgeModel {
    /// Ids of the business knowledge models and decision services this one requires.
    pub fn required_knowledge(&self) -> &[String] {
        &self.required_knowledge
    }
}

impl DecisionService {
    /// Ids of the decisions whose outputs the service returns.
    pub fn output_decisions(&self) -> &[String] {
        &self.output_decisions
    }

    /// Ids of the decisions evaluated inside the service but not returned.
    pub fn encapsulated_decisions(&self) -> &[String] {
        &self.encapsulated_decisions
    }

    /// Ids of the decisions whose values are parameters of the service.
    pub fn input_decisions(&self) -> &[String] {
        &self.input_decisions
    }

    /// Ids of the input data that are parameters of the service.
    pub fn input_data(&self) -> &[String] {
        &self.input_data
    }
}

/// `<decisionService>`: a function over a set of decisions.
#[derive(Debug, Clone)]
pub struct DecisionService {
    pub id: String,
    pub name: String,
    pub(crate) output_decisions: Vec<String>,
    pub(crate) encapsulated_decisions: Vec<String>,
    pub(crate) input_decisions: Vec<String>,
    pub(crate) input_data: Vec<String>,
    pub line: usize,
    /// The service as a FEEL function value, when all its decisions have a FEEL form.
    pub(crate) as_feel: Option<FeelExpr>,
}

/// A boxed expression.
#[derive(Debug, Clone)]
pub(crate) enum BoxedExpression {
    Literal(Literal),
    Context(ContextExpression),
    DecisionTable(Box<DecisionTable>),
    Invocation(Invocation),
    List(ListExpression),
    Relation(Relation),
    FunctionDefinition(FunctionDefinition),
    Conditional(Box<Conditional>),
    Filter(Box<Filter>),
    Iterator(Box<Iterator>),
}

/// Attributes every boxed expression has.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExprInfo {
    /// The element id, or a description of where the element is if it has none.
    pub id: String,
    pub line: usize,
    pub type_ref: Option<TypeRef>,
}

#[derive(Debug, Clone)]
pub(crate) struct Literal {
    pub info: ExprInfo,
    /// `None` for an empty `<literalExpression/>`, which evaluates to null.
    pub expr: Option<FeelExpr>,
}

#[derive(Debug, Clone)]
pub(crate) struct ContextEntry {
    /// `None` for the final result entry.
    pub name: Option<String>,
    pub type_ref: Option<TypeRef>,
    pub value: BoxedExpression,
}

#[derive(Debug, Clone)]
pub(crate) struct ContextExpression {
    pub info: ExprInfo,
    pub entries: Vec<ContextEntry>,
}

#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub parameter: String,
    /// `None`: the binding has no expression and passes null.
    pub value: Option<BoxedExpression>,
}

#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub info: ExprInfo,
    /// The name of the invoked function (text of the callee literal expression).
    pub callee: String,
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Clone)]
pub(crate) struct ListExpression {
    pub info: ExprInfo,
    pub items: Vec<BoxedExpression>,
}

#[derive(Debug, Clone)]
pub(crate) struct Relation {
    pub info: ExprInfo,
    pub columns: Vec<String>,
    /// Each row has one expression per column.
    pub rows: Vec<Vec<BoxedExpression>>,
}

/// The kind of a function definition's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FunctionKind {
    Feel,
    Java,
    Pmml,
}

#[derive(Debug, Clone)]
pub(crate) struct Parameter {
    pub name: String,
    pub type_ref: Option<TypeRef>,
}

#[derive(Debug, Clone)]
pub(crate) struct FunctionDefinition {
    pub info: ExprInfo,
    pub kind: FunctionKind,
    pub parameters: Vec<Parameter>,
    pub body: Option<Box<BoxedExpression>>,
    /// The whole function as FEEL (`function(a, b) ...`), when the body can be expressed in
    /// FEEL; this is how the function becomes a value FEEL expressions can call.
    pub as_feel: Option<FeelExpr>,
}

#[derive(Debug, Clone)]
pub(crate) struct Conditional {
    pub info: ExprInfo,
    pub condition: BoxedExpression,
    pub then: BoxedExpression,
    pub otherwise: BoxedExpression,
}

#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub info: ExprInfo,
    pub source: BoxedExpression,
    pub condition: BoxedExpression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IteratorKind {
    For,
    Some,
    Every,
}

#[derive(Debug, Clone)]
pub(crate) struct Iterator {
    pub info: ExprInfo,
    pub kind: IteratorKind,
    pub variable: String,
    pub source: BoxedExpression,
    /// `return` of a for, `satisfies` of some/every.
    pub body: BoxedExpression,
}

/// How a decision table combines matching rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitPolicy {
    Unique,
    First,
    Priority,
    Any,
    Collect(Option<Aggregation>),
    RuleOrder,
    OutputOrder,
}

/// The aggregation of a COLLECT table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Sum,
    Min,
    Max,
    Count,
}

#[derive(Debug, Clone)]
pub(crate) struct TableInput {
    pub id: String,
    pub label: Option<String>,
    pub expr: FeelExpr,
    pub type_ref: Option<TypeRef>,
}

#[derive(Debug, Clone)]
pub(crate) struct TableOutput {
    pub id: String,
    pub name: Option<String>,
    pub label: Option<String>,
    pub type_ref: Option<TypeRef>,
    /// `outputValues` as a FEEL list expression: the priority order for PRIORITY and
    /// OUTPUT ORDER, and the allowed values.
    pub output_values: Option<FeelExpr>,
    pub default_output: Option<FeelExpr>,
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub id: String,
    pub input_entries: Vec<FeelTests>,
    /// `None` for an empty output entry, which yields null.
    pub output_entries: Vec<Option<FeelExpr>>,
}

#[derive(Debug, Clone)]
pub(crate) struct DecisionTable {
    pub info: ExprInfo,
    pub hit_policy: HitPolicy,
    pub inputs: Vec<TableInput>,
    pub outputs: Vec<TableOutput>,
    pub rules: Vec<Rule>,
}
