//! The DMN TCK (Technology Compatibility Kit) runner: reads the test case folders of
//! compliance levels 2 and 3, evaluates every result node and compares it with the expected
//! value. Used by the `dmn-tck` binary and the `tck` integration test; the only module that
//! reads files, and only below the directory its caller passes.
//!
//! Comparison: numbers as decimals within 1e-8 (as the TCK's Drools runner compares), lists element by element, contexts
//! entry by entry regardless of order, other values with FEEL equality. A result node that
//! expects an error (`errorResult="true"`) passes if evaluation fails or yields null; an
//! evaluation failure otherwise counts as a null result (the DMN semantics of errors).

use crate::xml::{self, Element};
use crate::{parse_definitions_lenient, Definitions, EvalSettings};
use hornet_feel::{Context, EvalContext, Expression, Number, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The compliance levels the runner covers.
pub const LEVELS: &[&str] = &["compliance-level-2", "compliance-level-3"];

/// A fixed clock for `now()`/`today()`: 2024-01-01T00:00:00Z. The TCK's now/today tests only
/// check types and relations, not the wall-clock value.
const TCK_NOW_MILLIS: i64 = 1_704_067_200_000;

/// Results of one test case folder.
#[derive(Debug, Clone, Default)]
pub struct FolderReport {
    pub level: String,
    pub folder: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub failures: Vec<NodeFailure>,
}

/// A result node that did not match.
#[derive(Debug, Clone)]
pub struct NodeFailure {
    pub test_file: String,
    pub case_id: String,
    pub node: String,
    pub expected: String,
    pub actual: String,
}

/// Results of a whole run.
#[derive(Debug, Clone, Default)]
pub struct TckReport {
    pub folders: Vec<FolderReport>,
}

impl TckReport {
    pub fn passed(&self) -> usize {
        self.folders.iter().map(|f| f.passed).sum()
    }
    pub fn failed(&self) -> usize {
        self.folders.iter().map(|f| f.failed).sum()
    }
    pub fn skipped(&self) -> usize {
        self.folders.iter().map(|f| f.skipped).sum()
    }
    pub fn total(&self) -> usize {
        self.passed() + self.failed() + self.skipped()
    }

    /// (passed, failed, skipped) of one compliance level.
    pub fn level(&self, level: &str) -> (usize, usize, usize) {
        self.folders
            .iter()
            .filter(|f| f.level == level)
            .fold((0, 0, 0), |(p, f, s), r| {
                (p + r.passed, f + r.failed, s + r.skipped)
            })
    }

    /// The final summary line.
    pub fn summary(&self) -> String {
        format!(
            "TCK: {} passed, {} failed, {} skipped (of {} result nodes)",
            self.passed(),
            self.failed(),
            self.skipped(),
            self.total()
        )
    }
}

/// Runs every test case folder of [`LEVELS`] below `test_cases` (the TCK's `TestCases`).
pub fn run(test_cases: &Path) -> std::io::Result<TckReport> {
    let mut report = TckReport::default();
    for level in LEVELS {
        let dir = test_cases.join(level);
        let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            report.folders.push(run_folder(level, &folder));
        }
    }
    Ok(report)
}

/// Runs one test case folder; unreadable files count as failures of their nodes.
pub fn run_folder(level: &str, folder: &Path) -> FolderReport {
    let mut report = FolderReport {
        level: level.to_string(),
        folder: folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ..FolderReport::default()
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => {
            report.failed += 1;
            report.failures.push(NodeFailure {
                test_file: String::new(),
                case_id: String::new(),
                node: String::new(),
                expected: "a readable folder".into(),
                actual: e.to_string(),
            });
            return report;
        }
    };
    files.sort();
    let mut models: Vec<(String, Result<Definitions, String>)> = Vec::new();
    for path in files.iter().filter(|p| has_extension(p, "dmn")) {
        let name = file_name(path);
        let parsed = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| parse_definitions_lenient(&bytes).map_err(|e| e.to_string()));
        models.push((name, parsed));
    }
    for path in files
        .iter()
        .filter(|p| has_extension(p, "xml") && file_name(p).contains("-test-"))
    {
        let test_file = file_name(path);
        let parsed = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| parse_test_file(&bytes));
        match parsed {
            Ok(tests) => run_test_file(&test_file, &tests, &models, &mut report),
            Err(message) => {
                report.failed += 1;
                report.failures.push(NodeFailure {
                    test_file,
                    case_id: String::new(),
                    node: String::new(),
                    expected: "a valid test file".into(),
                    actual: message,
                });
            }
        }
    }
    report
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e == ext)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What a test case invokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseKind {
    Decision,
    Bkm,
    DecisionService,
}

/// A parsed `*-test-*.xml` file.
#[derive(Debug, Clone)]
pub struct TestFile {
    pub model_name: Option<String>,
    pub cases: Vec<TestCase>,
}

#[derive(Debug, Clone)]
pub struct TestCase {
    pub id: String,
    pub kind: CaseKind,
    pub invocable_name: Option<String>,
    /// Input values; `Err` if the value could not be read (e.g. an unsupported temporal).
    pub inputs: Vec<(String, Result<Value, String>)>,
    pub results: Vec<ResultNode>,
}

#[derive(Debug, Clone)]
pub struct ResultNode {
    pub name: String,
    pub error_result: bool,
    pub expected: Option<Result<Value, String>>,
}

/// Parses a TCK test file (schema `testCases.xsd`).
pub fn parse_test_file(bytes: &[u8]) -> Result<TestFile, String> {
    let root = xml::parse(bytes).map_err(|e| format!("line {}: {}", e.line, e.message))?;
    if root.name != "testCases" {
        return Err(format!("expected <testCases>, found <{}>", root.name));
    }
    let mut cases = Vec::new();
    for (i, case) in root.children_named("testCase").enumerate() {
        let kind = match case.attr("type").unwrap_or("decision") {
            "bkm" => CaseKind::Bkm,
            "decisionService" => CaseKind::DecisionService,
            _ => CaseKind::Decision,
        };
        let inputs = case
            .children_named("inputNode")
            .map(|n| (n.attr("name").unwrap_or("").to_string(), value_of(n)))
            .collect();
        let results = case
            .children_named("resultNode")
            .map(|n| ResultNode {
                name: n.attr("name").unwrap_or("").to_string(),
                error_result: n.attr("errorResult") == Some("true"),
                expected: n.child("expected").map(value_of),
            })
            .collect();
        cases.push(TestCase {
            id: case
                .attr("id")
                .map(str::to_string)
                .unwrap_or_else(|| (i + 1).to_string()),
            kind,
            invocable_name: case.attr("invocableName").map(str::to_string),
            inputs,
            results,
        });
    }
    Ok(TestFile {
        model_name: root.child_text("modelName").map(|s| s.trim().to_string()),
        cases,
    })
}

/// Reads a `valueType` element: `<value>`, `<component>`s or `<list>`.
fn value_of(e: &Element) -> Result<Value, String> {
    if let Some(v) = e.child("value") {
        return simple_value(v);
    }
    if let Some(list) = e.child("list") {
        if list.attr("nil") == Some("true") {
            return Ok(Value::Null);
        }
        let items: Result<Vec<Value>, String> = list.children_named("item").map(value_of).collect();
        return Ok(Value::List(items?));
    }
    if e.child("component").is_some() {
        let mut ctx = Context::new();
        for c in e.children_named("component") {
            let value = if c.attr("nil") == Some("true") {
                Value::Null
            } else {
                value_of(c)?
            };
            ctx.insert(c.attr("name").unwrap_or("").to_string(), value);
        }
        return Ok(Value::Context(ctx));
    }
    Ok(Value::Null)
}

fn simple_value(v: &Element) -> Result<Value, String> {
    if v.attr("nil") == Some("true") {
        return Ok(Value::Null);
    }
    let text = v.text.as_str();
    let ty = v.attr("type").map(|t| t.rsplit(':').next().unwrap_or(t));
    let temporal = |function: &str| -> Result<Value, String> {
        let source = format!("{function}(\"{}\")", text.trim());
        let expr = Expression::parse(&source).map_err(|e| e.to_string())?;
        let value = expr
            .evaluate(&EvalContext::new(&hornet_feel::EmptyVariables))
            .map_err(|e| e.to_string())?;
        if value.is_null() {
            return Err(format!("{source} is null"));
        }
        Ok(value)
    };
    match ty {
        Some("decimal" | "double" | "float" | "integer" | "int" | "long" | "short") => {
            Number::parse(text.trim())
                .map(Value::Number)
                .ok_or_else(|| format!("invalid number '{text}'"))
        }
        Some("boolean") => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            other => Err(format!("invalid boolean '{other}'")),
        },
        Some("date") => temporal("date"),
        Some("dateTime") => temporal("date and time"),
        Some("time") => temporal("time"),
        Some("duration" | "dayTimeDuration" | "yearMonthDuration") => temporal("duration"),
        _ => Ok(Value::String(text.to_string())),
    }
}

fn run_test_file(
    test_file: &str,
    tests: &TestFile,
    models: &[(String, Result<Definitions, String>)],
    report: &mut FolderReport,
) {
    let model = match &tests.model_name {
        Some(name) => models.iter().find(|(n, _)| n == name),
        None => models.first(),
    };
    for case in &tests.cases {
        let mut fail = |node: &str, expected: String, actual: String| {
            report.failed += 1;
            report.failures.push(NodeFailure {
                test_file: test_file.to_string(),
                case_id: case.id.clone(),
                node: node.to_string(),
                expected,
                actual,
            });
        };
        let defs = match model {
            Some((_, Ok(defs))) => defs,
            Some((name, Err(e))) => {
                for node in &case.results {
                    fail(
                        &node.name,
                        describe_expected(node),
                        format!("model {name}: {e}"),
                    );
                }
                continue;
            }
            None => {
                for node in &case.results {
                    fail(
                        &node.name,
                        describe_expected(node),
                        format!("model {:?} not found", tests.model_name),
                    );
                }
                continue;
            }
        };
        let mut variables = BTreeMap::new();
        let mut input_error = None;
        for (name, value) in &case.inputs {
            match value {
                Ok(v) => {
                    variables.insert(name.clone(), v.clone());
                }
                Err(e) => input_error = Some(format!("input '{name}': {e}")),
            }
        }
        for node in &case.results {
            if node.expected.is_none() && !node.error_result {
                report.skipped += 1;
                continue;
            }
            if let Some(e) = &input_error {
                fail(&node.name, describe_expected(node), e.clone());
                continue;
            }
            let expected = match &node.expected {
                Some(Ok(v)) => Some(v.clone()),
                Some(Err(e)) => {
                    fail(&node.name, "an unreadable value".into(), e.clone());
                    continue;
                }
                None => None,
            };
            let actual = evaluate_node(defs, case, node, &variables);
            let pass = match (&actual, &expected) {
                (Err(_), _) if node.error_result => true,
                (Ok(Value::Null), _) if node.error_result => true,
                (Err(_), Some(exp)) => exp.is_null(),
                (Ok(v), Some(exp)) => values_equal(exp, v),
                (_, None) => false,
            };
            if pass {
                report.passed += 1;
            } else {
                let actual = match actual {
                    Ok(v) => show(&v),
                    Err(e) => format!("error: {e}"),
                };
                fail(&node.name, describe_expected(node), actual);
            }
        }
    }
}

fn evaluate_node(
    defs: &Definitions,
    case: &TestCase,
    node: &ResultNode,
    variables: &BTreeMap<String, Value>,
) -> Result<Value, String> {
    let settings = EvalSettings {
        now_millis: TCK_NOW_MILLIS,
        seed: 0,
    };
    match case.kind {
        CaseKind::Decision => defs
            .evaluate_decision(&node.name, variables, settings)
            .map(|r| r.output)
            .map_err(|e| e.to_string()),
        CaseKind::DecisionService => {
            let service = case.invocable_name.as_deref().unwrap_or(&node.name);
            let value = defs
                .evaluate_decision_service(service, variables, settings)
                .map_err(|e| e.to_string())?;
            // A service with several outputs returns a context; the node names one of them.
            let several = defs
                .decision_services()
                .iter()
                .find(|s| s.name == service || s.id == service)
                .is_some_and(|s| s.output_decisions.len() > 1);
            Ok(match value {
                Value::Context(ctx) if several && ctx.contains_key(&node.name) => {
                    ctx.get(&node.name).cloned().unwrap_or(Value::Null)
                }
                other => other,
            })
        }
        CaseKind::Bkm => {
            let bkm = case.invocable_name.as_deref().unwrap_or(&node.name);
            let args: Context = variables
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            defs.invoke_business_knowledge_model(bkm, &args, settings)
                .map_err(|e| e.to_string())
        }
    }
}

fn describe_expected(node: &ResultNode) -> String {
    match &node.expected {
        Some(Ok(v)) => show(v),
        Some(Err(e)) => format!("unreadable: {e}"),
        None if node.error_result => "an error".into(),
        None => "nothing".into(),
    }
}

/// A value with its type, for failure reports (`"1"` vs `1`).
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::List(items) => {
            let mut out = String::from("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&show(item));
            }
            out.push(']');
            out
        }
        Value::Context(ctx) => {
            let mut out = String::from("{");
            for (i, (k, v)) in ctx.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{k}: {}", show(v));
            }
            out.push('}');
            out
        }
        Value::Null => "null".into(),
        other => format!("{other} ({})", other.type_name()),
    }
}

/// TCK equality: see the module documentation.
pub fn values_equal(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::Number(a), Value::Number(b)) => numbers_equal(a, b),
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equal(x, y))
        }
        (Value::Context(a), Value::Context(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (a, b) if a == b => true,
        (a, b) if a.type_name() == b.type_name() => feel_equal(a, b),
        _ => false,
    }
}

/// Equal within an absolute difference of 1e-8, the comparison the TCK's own Drools runner
/// uses (`CompareValuesUtil.NUMBER_COMPARISON_PRECISION`), so that figures are comparable:
/// several expected values of long computations (payment formulas) are written with fewer or
/// slightly different digits than an exact 34-digit decimal computation yields.
fn numbers_equal(expected: &Number, actual: &Number) -> bool {
    if expected == actual {
        return true;
    }
    let Some(tolerance) = Number::parse("0.00000001") else {
        return false;
    };
    expected
        .checked_sub(actual)
        .is_some_and(|difference| difference.abs() < tolerance)
}

/// `a = b` as FEEL evaluates it (temporal values with different but equivalent zones).
fn feel_equal(a: &Value, b: &Value) -> bool {
    let Ok(expr) = Expression::parse("a = b") else {
        return false;
    };
    let mut vars = BTreeMap::new();
    vars.insert("a".to_string(), a.clone());
    vars.insert("b".to_string(), b.clone());
    matches!(
        expr.evaluate(&EvalContext::new(&vars)),
        Ok(Value::Bool(true))
    )
}
