//! Builds the [`Definitions`] model from the XML tree of a DMN 1.1–1.5 document.
//!
//! The namespace version is not checked element by element: the element names this module
//! reads are the same in all DMN versions the TCK uses. Every FEEL text is compiled here;
//! invalid FEEL is recorded with its element id and line.

use crate::error::DmnError;
use crate::feel_text::{FeelExpr, FeelTests, Names};
use crate::model::*;
use crate::translate;
use crate::types::TypeRef;
use crate::xml::{self, Element};

/// Element names of boxed expressions.
const BOXED: &[&str] = &[
    "literalExpression",
    "context",
    "decisionTable",
    "invocation",
    "list",
    "relation",
    "functionDefinition",
    "conditional",
    "filter",
    "for",
    "some",
    "every",
];

pub(crate) fn parse(src: &[u8]) -> Result<Definitions, DmnError> {
    let root = xml::parse(src).map_err(|e| DmnError::Xml {
        line: e.line,
        message: e.message,
    })?;
    if root.name != "definitions" {
        return Err(DmnError::Model {
            element_id: root.attr("id").unwrap_or(&root.name).to_string(),
            line: root.line,
            message: format!(
                "expected a <definitions> root element, found <{}>",
                root.name
            ),
        });
    }
    let mut all_names = Vec::new();
    for child in &root.children {
        collect_names(child, &mut all_names);
    }
    let mut builder = Builder {
        names: Names::new(all_names.iter().map(String::as_str)),
        errors: Vec::new(),
        depth: 0,
    };
    let mut defs = Definitions {
        id: root.attr("id").map(str::to_string),
        name: root.attr("name").map(str::to_string),
        namespace: root.attr("namespace").map(str::to_string),
        item_definitions: Vec::new(),
        input_data: Vec::new(),
        decisions: Vec::new(),
        bkms: Vec::new(),
        decision_services: Vec::new(),
        compile_errors: Vec::new(),
    };
    for child in &root.children {
        match child.name.as_str() {
            "itemDefinition" => {
                let def = builder.item_definition(child)?;
                defs.item_definitions.push(def);
            }
            "inputData" => defs.input_data.push(builder.input_data(child)?),
            "decision" => defs.decisions.push(builder.decision(child)?),
            "businessKnowledgeModel" => defs.bkms.push(builder.bkm(child)?),
            "decisionService" => defs
                .decision_services
                .push(builder.decision_service(child)?),
            // Elements of imported models cannot be resolved from one document.
            "import" => builder.errors.push(DmnError::Unsupported {
                element_id: child
                    .attr("name")
                    .or_else(|| child.attr("namespace"))
                    .unwrap_or("import")
                    .to_string(),
                feature: format!(
                    "imports (<import> of '{}' at line {})",
                    child.attr("namespace").unwrap_or(""),
                    child.line
                ),
            }),
            _ => {}
        }
    }
    builder.check_references(&defs);
    for i in 0..defs.decision_services.len() {
        let service = &defs.decision_services[i];
        // Backticks in generated text already quote names, so compile without re-quoting
        // those; other names in the decisions' own text still need quoting.
        let as_feel = translate::decision_service(&defs, service)
            .map(|src| FeelExpr::compile(&src, &builder.names, &service.id, service.line))
            .filter(|f| f.error().is_none());
        defs.decision_services[i].as_feel = as_feel;
    }
    defs.compile_errors = builder.errors;
    Ok(defs)
}

fn collect_names(element: &Element, out: &mut Vec<String>) {
    if element.name != "import" {
        for key in ["name", "iteratorVariable"] {
            if let Some(name) = element.attr(key) {
                out.push(name.to_string());
            }
        }
    }
    for child in &element.children {
        collect_names(child, out);
    }
}

/// The id of a reference such as `href="#_123"` or `href="other.dmn#_123"`.
fn href_id(element: &Element) -> Option<String> {
    let href = element.attr("href")?;
    Some(match href.rsplit_once('#') {
        Some((_, id)) => id.to_string(),
        None => href.to_string(),
    })
}

/// Deepest nesting of boxed expressions accepted; bounds the recursion of parsing and
/// evaluation so that a hostile model cannot overflow the stack.
const MAX_NESTING: usize = 64;

struct Builder {
    names: Names,
    errors: Vec<DmnError>,
    /// Current nesting of boxed expressions.
    depth: usize,
}

impl Builder {
    fn required_attr<'a>(&self, element: &'a Element, key: &str) -> Result<&'a str, DmnError> {
        element.attr(key).ok_or_else(|| DmnError::Model {
            element_id: describe(element),
            line: element.line,
            message: format!("<{}> has no '{key}' attribute", element.name),
        })
    }

    fn expr(&mut self, source: &str, element_id: &str, line: usize) -> FeelExpr {
        let expr = FeelExpr::compile(source, &self.names, element_id, line);
        if let Some(e) = expr.error() {
            self.errors.push(e);
        }
        expr
    }

    fn tests(&mut self, source: &str, element_id: &str, line: usize) -> FeelTests {
        let tests = FeelTests::compile(source, &self.names, element_id, line);
        if let Some(e) = tests.error() {
            self.errors.push(e);
        }
        tests
    }

    fn item_definition(&mut self, e: &Element) -> Result<ItemDefinition, DmnError> {
        let name = self.required_attr(e, "name")?.to_string();
        let id = e.attr("id").unwrap_or(&name).to_string();
        let mut components = Vec::new();
        for c in e.children_named("itemComponent") {
            components.push(self.item_definition(c)?);
        }
        let unary = |b: &mut Builder, tag: &str| {
            e.child(tag).and_then(|v| {
                let text = v.child_text("text").unwrap_or("").trim().to_string();
                (!text.is_empty()).then(|| b.tests(&text, &id, v.line))
            })
        };
        let allowed_values = unary(self, "allowedValues");
        let type_constraint = unary(self, "typeConstraint");
        Ok(ItemDefinition {
            type_ref: e.child_text("typeRef").and_then(TypeRef::parse),
            components,
            allowed_values,
            type_constraint,
            is_collection: e.attr("isCollection") == Some("true"),
            is_function: e.child("functionItem").is_some(),
            name,
        })
    }

    fn input_data(&mut self, e: &Element) -> Result<InputData, DmnError> {
        let name = self.required_attr(e, "name")?.to_string();
        Ok(InputData {
            id: e.attr("id").unwrap_or(&name).to_string(),
            type_ref: variable_type(e),
            name,
        })
    }

    fn decision(&mut self, e: &Element) -> Result<Decision, DmnError> {
        let name = self.required_attr(e, "name")?.to_string();
        let id = e.attr("id").unwrap_or(&name).to_string();
        let mut required_decisions = Vec::new();
        let mut required_inputs = Vec::new();
        for req in e.children_named("informationRequirement") {
            if let Some(d) = req.child("requiredDecision").and_then(href_id) {
                required_decisions.push(d);
            }
            if let Some(i) = req.child("requiredInput").and_then(href_id) {
                required_inputs.push(i);
            }
        }
        let logic = match e.children.iter().find(|c| BOXED.contains(&c.name.as_str())) {
            Some(b) => Some(self.boxed(b, &id)?),
            None => None,
        };
        Ok(Decision {
            type_ref: variable_type(e),
            required_decisions,
            required_inputs,
            required_knowledge: knowledge_requirements(e),
            logic,
            line: e.line,
            id,
            name,
        })
    }

    fn bkm(&mut self, e: &Element) -> Result<BusinessKnowledgeModel, DmnError> {
        let name = self.required_attr(e, "name")?.to_string();
        let id = e.attr("id").unwrap_or(&name).to_string();
        let logic = match e.child("encapsulatedLogic") {
            Some(l) => Some(self.function_definition(l, &id)?),
            None => None,
        };
        Ok(BusinessKnowledgeModel {
            required_knowledge: knowledge_requirements(e),
            logic,
            id,
            name,
        })
    }

    fn decision_service(&mut self, e: &Element) -> Result<DecisionService, DmnError> {
        let name = self.required_attr(e, "name")?.to_string();
        let refs = |tag: &str| {
            e.children_named(tag)
                .filter_map(href_id)
                .collect::<Vec<_>>()
        };
        Ok(DecisionService {
            id: e.attr("id").unwrap_or(&name).to_string(),
            output_decisions: refs("outputDecision"),
            encapsulated_decisions: refs("encapsulatedDecision"),
            input_decisions: refs("inputDecision"),
            input_data: refs("inputData"),
            as_feel: None,
            line: e.line,
            name,
        })
    }

    fn info(&self, e: &Element, parent_id: &str) -> ExprInfo {
        ExprInfo {
            id: e
                .attr("id")
                .map(str::to_string)
                .unwrap_or_else(|| format!("{parent_id}/{}", e.name)),
            line: e.line,
            type_ref: e.attr("typeRef").and_then(TypeRef::parse),
        }
    }

    /// The single boxed expression child of `e` (e.g. of `<then>` or a context entry).
    fn boxed_child(&mut self, e: &Element, parent_id: &str) -> Result<BoxedExpression, DmnError> {
        match e.children.iter().find(|c| BOXED.contains(&c.name.as_str())) {
            Some(b) => self.boxed(b, parent_id),
            None => Err(DmnError::Model {
                element_id: parent_id.to_string(),
                line: e.line,
                message: format!("<{}> has no expression", e.name),
            }),
        }
    }

    fn boxed(&mut self, e: &Element, parent_id: &str) -> Result<BoxedExpression, DmnError> {
        if self.depth >= MAX_NESTING {
            return Err(DmnError::Model {
                element_id: describe(e),
                line: e.line,
                message: format!("boxed expressions are nested deeper than {MAX_NESTING} levels"),
            });
        }
        self.depth += 1;
        let result = self.boxed_inner(e, parent_id);
        self.depth -= 1;
        result
    }

    fn boxed_inner(&mut self, e: &Element, parent_id: &str) -> Result<BoxedExpression, DmnError> {
        let info = self.info(e, parent_id);
        Ok(match e.name.as_str() {
            "literalExpression" => {
                let text = e.child_text("text").unwrap_or("");
                let expr = if text.trim().is_empty() {
                    None
                } else {
                    Some(self.expr(text, &info.id, e.line))
                };
                BoxedExpression::Literal(Literal { info, expr })
            }
            "context" => {
                let mut entries = Vec::new();
                for entry in e.children_named("contextEntry") {
                    let variable = entry.child("variable");
                    entries.push(ContextEntry {
                        name: variable.and_then(|v| v.attr("name")).map(str::to_string),
                        type_ref: variable
                            .and_then(|v| v.attr("typeRef"))
                            .and_then(TypeRef::parse),
                        value: self.boxed_child(entry, &info.id)?,
                    });
                }
                BoxedExpression::Context(ContextExpression { info, entries })
            }
            "decisionTable" => {
                BoxedExpression::DecisionTable(Box::new(self.decision_table(e, info)?))
            }
            "invocation" => {
                let callee = e
                    .children
                    .iter()
                    .find(|c| c.name == "literalExpression")
                    .and_then(|c| c.child_text("text"))
                    .map(|t| t.trim().to_string())
                    .ok_or_else(|| DmnError::Model {
                        element_id: info.id.clone(),
                        line: e.line,
                        message: "<invocation> does not name the invoked function".into(),
                    })?;
                let mut bindings = Vec::new();
                for b in e.children_named("binding") {
                    let parameter = b
                        .child("parameter")
                        .and_then(|p| p.attr("name"))
                        .ok_or_else(|| DmnError::Model {
                            element_id: info.id.clone(),
                            line: b.line,
                            message: "<binding> has no parameter name".into(),
                        })?
                        .to_string();
                    let value = match b.children.iter().find(|c| BOXED.contains(&c.name.as_str())) {
                        Some(v) => Some(self.boxed(v, &info.id)?),
                        None => None,
                    };
                    bindings.push(Binding { parameter, value });
                }
                BoxedExpression::Invocation(Invocation {
                    info,
                    callee,
                    bindings,
                })
            }
            "list" => {
                let mut items = Vec::new();
                for c in e
                    .children
                    .iter()
                    .filter(|c| BOXED.contains(&c.name.as_str()))
                {
                    items.push(self.boxed(c, &info.id)?);
                }
                BoxedExpression::List(ListExpression { info, items })
            }
            "relation" => {
                let columns: Vec<String> = e
                    .children_named("column")
                    .map(|c| c.attr("name").unwrap_or("").to_string())
                    .collect();
                let mut rows = Vec::new();
                for row in e.children_named("row") {
                    let mut cells = Vec::new();
                    for c in row
                        .children
                        .iter()
                        .filter(|c| BOXED.contains(&c.name.as_str()))
                    {
                        cells.push(self.boxed(c, &info.id)?);
                    }
                    if cells.len() != columns.len() {
                        return Err(DmnError::Model {
                            element_id: info.id.clone(),
                            line: row.line,
                            message: format!(
                                "relation row has {} cells but the relation has {} columns",
                                cells.len(),
                                columns.len()
                            ),
                        });
                    }
                    rows.push(cells);
                }
                BoxedExpression::Relation(Relation {
                    info,
                    columns,
                    rows,
                })
            }
            "functionDefinition" => {
                BoxedExpression::FunctionDefinition(self.function_definition(e, parent_id)?)
            }
            "conditional" => {
                let part = |b: &mut Builder, tag: &str| -> Result<BoxedExpression, DmnError> {
                    let p = e.child(tag).ok_or_else(|| DmnError::Model {
                        element_id: info.id.clone(),
                        line: e.line,
                        message: format!("<conditional> has no <{tag}>"),
                    })?;
                    b.boxed_child(p, &info.id)
                };
                let condition = part(self, "if")?;
                let then = part(self, "then")?;
                let otherwise = part(self, "else")?;
                BoxedExpression::Conditional(Box::new(Conditional {
                    info,
                    condition,
                    then,
                    otherwise,
                }))
            }
            "filter" | "for" | "some" | "every" => {
                let part = |b: &mut Builder, tag: &str| -> Result<BoxedExpression, DmnError> {
                    let p = e.child(tag).ok_or_else(|| DmnError::Model {
                        element_id: info.id.clone(),
                        line: e.line,
                        message: format!("<{}> has no <{tag}>", e.name),
                    })?;
                    b.boxed_child(p, &info.id)
                };
                let source = part(self, "in")?;
                if e.name == "filter" {
                    let condition = part(self, "match")?;
                    BoxedExpression::Filter(Box::new(Filter {
                        info,
                        source,
                        condition,
                    }))
                } else {
                    let (kind, body_tag) = match e.name.as_str() {
                        "for" => (IteratorKind::For, "return"),
                        "some" => (IteratorKind::Some, "satisfies"),
                        _ => (IteratorKind::Every, "satisfies"),
                    };
                    let body = part(self, body_tag)?;
                    BoxedExpression::Iterator(Box::new(Iterator {
                        variable: self.required_attr(e, "iteratorVariable")?.to_string(),
                        info,
                        kind,
                        source,
                        body,
                    }))
                }
            }
            other => {
                return Err(DmnError::Model {
                    element_id: info.id,
                    line: e.line,
                    message: format!("<{other}> is not a boxed expression"),
                })
            }
        })
    }

    fn function_definition(
        &mut self,
        e: &Element,
        parent_id: &str,
    ) -> Result<FunctionDefinition, DmnError> {
        let info = self.info(e, parent_id);
        let kind = match e.attr("kind").unwrap_or("FEEL") {
            "FEEL" => FunctionKind::Feel,
            "Java" => FunctionKind::Java,
            "PMML" => FunctionKind::Pmml,
            other => {
                return Err(DmnError::Model {
                    element_id: info.id,
                    line: e.line,
                    message: format!("unknown function kind '{other}'"),
                })
            }
        };
        let mut parameters = Vec::new();
        for p in e.children_named("formalParameter") {
            parameters.push(Parameter {
                name: self.required_attr(p, "name")?.to_string(),
                type_ref: p.attr("typeRef").and_then(TypeRef::parse),
            });
        }
        let body = match e.children.iter().find(|c| BOXED.contains(&c.name.as_str())) {
            Some(b) => Some(Box::new(self.boxed(b, &info.id)?)),
            None => None,
        };
        // Only FEEL bodies become FEEL function values; the translation is not reported as a
        // compile error of its own because its parts were compiled (and reported) above.
        let as_feel = match (kind, &body) {
            (FunctionKind::Feel, Some(body)) => translate::function(&parameters, body)
                .map(|src| FeelExpr::compile(&src, &self.names, &info.id, e.line))
                .filter(|f| f.error().is_none()),
            _ => None,
        };
        Ok(FunctionDefinition {
            info,
            kind,
            parameters,
            body,
            as_feel,
        })
    }

    fn decision_table(&mut self, e: &Element, info: ExprInfo) -> Result<DecisionTable, DmnError> {
        let hit_policy = parse_hit_policy(e, &info)?;
        let mut inputs = Vec::new();
        for (i, input) in e.children_named("input").enumerate() {
            let id = input
                .attr("id")
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}/input[{}]", info.id, i + 1));
            let ie = input
                .child("inputExpression")
                .ok_or_else(|| DmnError::Model {
                    element_id: id.clone(),
                    line: input.line,
                    message: "<input> has no <inputExpression>".into(),
                })?;
            let text = ie.child_text("text").unwrap_or("");
            let expr = self.expr(text, &id, ie.line);
            // Input values must be valid unary tests, but like Zeebe (dmn-scala) evaluation
            // does not reject inputs outside them.
            if let Some(v) = input.child("inputValues") {
                let text = v.child_text("text").unwrap_or("").trim().to_string();
                if !text.is_empty() {
                    self.tests(&text, &id, v.line);
                }
            }
            inputs.push(TableInput {
                label: input.attr("label").map(str::to_string),
                expr,
                type_ref: ie.attr("typeRef").and_then(TypeRef::parse),
                id,
            });
        }
        let mut outputs = Vec::new();
        for (i, output) in e.children_named("output").enumerate() {
            let id = output
                .attr("id")
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}/output[{}]", info.id, i + 1));
            let output_values = output.child("outputValues").and_then(|v| {
                let text = v.child_text("text").unwrap_or("").trim().to_string();
                (!text.is_empty()).then(|| self.expr(&format!("[{text}]"), &id, v.line))
            });
            let default_output = output.child("defaultOutputEntry").and_then(|d| {
                let text = d.child_text("text").unwrap_or("").trim().to_string();
                (!text.is_empty()).then(|| self.expr(&text, &id, d.line))
            });
            outputs.push(TableOutput {
                name: output.attr("name").map(str::to_string),
                label: output.attr("label").map(str::to_string),
                type_ref: output.attr("typeRef").and_then(TypeRef::parse),
                output_values,
                default_output,
                id,
            });
        }
        if outputs.is_empty() {
            return Err(DmnError::Model {
                element_id: info.id,
                line: e.line,
                message: "decision table has no <output>".into(),
            });
        }
        if outputs.len() > 1 && outputs.iter().any(|o| o.name.is_none()) {
            return Err(DmnError::Model {
                element_id: info.id,
                line: e.line,
                message: "every output of a decision table with several outputs needs a name"
                    .into(),
            });
        }
        if matches!(hit_policy, HitPolicy::Collect(Some(_))) && outputs.len() > 1 {
            return Err(DmnError::Model {
                element_id: info.id,
                line: e.line,
                message: "a COLLECT table with an aggregation must have exactly one output".into(),
            });
        }
        let mut rules = Vec::new();
        for (i, rule) in e.children_named("rule").enumerate() {
            let id = rule
                .attr("id")
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}/rule[{}]", info.id, i + 1));
            let mut input_entries = Vec::new();
            for entry in rule.children_named("inputEntry") {
                let text = entry.child_text("text").unwrap_or("");
                let entry_id = entry.attr("id").unwrap_or(&id).to_string();
                input_entries.push(self.tests(text, &entry_id, entry.line));
            }
            let mut output_entries = Vec::new();
            for entry in rule.children_named("outputEntry") {
                let text = entry.child_text("text").unwrap_or("");
                let entry_id = entry.attr("id").unwrap_or(&id).to_string();
                output_entries.push(
                    (!text.trim().is_empty()).then(|| self.expr(text, &entry_id, entry.line)),
                );
            }
            if input_entries.len() != inputs.len() || output_entries.len() != outputs.len() {
                return Err(DmnError::Model {
                    element_id: id,
                    line: rule.line,
                    message: format!(
                        "rule has {} input and {} output entries, but the table has {} inputs and {} outputs",
                        input_entries.len(),
                        output_entries.len(),
                        inputs.len(),
                        outputs.len()
                    ),
                });
            }
            rules.push(Rule {
                id,
                input_entries,
                output_entries,
            });
        }
        Ok(DecisionTable {
            info,
            hit_policy,
            inputs,
            outputs,
            rules,
        })
    }

    /// Records references to elements that do not exist in the model.
    fn check_references(&mut self, defs: &Definitions) {
        for d in &defs.decisions {
            for r in &d.required_decisions {
                if !defs.decisions.iter().any(|x| &x.id == r) {
                    self.errors.push(DmnError::Model {
                        element_id: d.id.clone(),
                        line: d.line,
                        message: format!("required decision '{r}' does not exist"),
                    });
                }
            }
            for r in &d.required_inputs {
                if !defs.input_data.iter().any(|x| &x.id == r) {
                    self.errors.push(DmnError::Model {
                        element_id: d.id.clone(),
                        line: d.line,
                        message: format!("required input '{r}' does not exist"),
                    });
                }
            }
        }
    }
}

fn parse_hit_policy(e: &Element, info: &ExprInfo) -> Result<HitPolicy, DmnError> {
    let policy = e.attr("hitPolicy").unwrap_or("UNIQUE");
    let aggregation = match e.attr("aggregation") {
        None => None,
        Some("SUM") => Some(Aggregation::Sum),
        Some("MIN") => Some(Aggregation::Min),
        Some("MAX") => Some(Aggregation::Max),
        Some("COUNT") => Some(Aggregation::Count),
        Some(other) => {
            return Err(DmnError::Model {
                element_id: info.id.clone(),
                line: e.line,
                message: format!("unknown aggregation '{other}'"),
            })
        }
    };
    let hit_policy = match policy {
        "UNIQUE" => HitPolicy::Unique,
        "FIRST" => HitPolicy::First,
        "PRIORITY" => HitPolicy::Priority,
        "ANY" => HitPolicy::Any,
        "COLLECT" => HitPolicy::Collect(aggregation),
        "RULE ORDER" => HitPolicy::RuleOrder,
        "OUTPUT ORDER" => HitPolicy::OutputOrder,
        other => {
            return Err(DmnError::Model {
                element_id: info.id.clone(),
                line: e.line,
                message: format!("unknown hit policy '{other}'"),
            })
        }
    };
    if aggregation.is_some() && !matches!(hit_policy, HitPolicy::Collect(_)) {
        return Err(DmnError::Model {
            element_id: info.id.clone(),
            line: e.line,
            message: format!("aggregation is only allowed with hit policy COLLECT, not {policy}"),
        });
    }
    Ok(hit_policy)
}

fn variable_type(e: &Element) -> Option<TypeRef> {
    e.child("variable")
        .and_then(|v| v.attr("typeRef"))
        .and_then(TypeRef::parse)
}

fn knowledge_requirements(e: &Element) -> Vec<String> {
    e.children_named("knowledgeRequirement")
        .filter_map(|k| k.child("requiredKnowledge").and_then(href_id))
        .collect()
}

fn describe(e: &Element) -> String {
    e.attr("id")
        .or_else(|| e.attr("name"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("<{}> at line {}", e.name, e.line))
}
