//! FEEL text inside a DMN model: compiled once at parse time, evaluated many times.
//!
//! DMN names may contain spaces and characters such as `'`, `-` or `?` ("Person's age",
//! "Monthly Income"). FEEL can only tell such a name from an expression when it knows which
//! names are in scope, so before compiling, every occurrence of a known name of the model
//! that is not a plain identifier is wrapped in backticks, which hornet_feel reads as a single
//! name. String literals and comments are left untouched.

use crate::error::DmnError;
use hornet_feel::{EvalContext, Expression, UnaryTests, Value, Variables};

/// Deterministic inputs of an evaluation besides variables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalSettings {
    /// Current time as UTC epoch milliseconds (`now()`, `today()`).
    pub now_millis: i64,
    /// Seed for `uuid()` and `random number()`.
    pub seed: u64,
}

/// Names of a model that need quoting in FEEL text, longest first so that "Loan Payment" wins
/// over "Loan".
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    quoted: Vec<Vec<char>>,
}

impl Names {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Names {
        let mut quoted: Vec<Vec<char>> = names
            .into_iter()
            .map(str::trim)
            .filter(|n| needs_quoting(n))
            .map(|n| n.chars().collect())
            .collect();
        quoted.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        quoted.dedup();
        Names { quoted }
    }

    /// Wraps known names of `source` in backticks.
    pub fn quote(&self, source: &str) -> String {
        if self.quoted.is_empty() {
            return source.to_string();
        }
        let chars: Vec<char> = source.chars().collect();
        let mut out = String::with_capacity(source.len() + 8);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '"' => i = copy_quoted(&chars, i, '"', &mut out),
                '`' => i = copy_quoted(&chars, i, '`', &mut out),
                '/' if chars.get(i + 1) == Some(&'/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
                '/' if chars.get(i + 1) == Some(&'*') => {
                    let start = i;
                    i += 2;
                    while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                        i += 1;
                    }
                    i = (i + 2).min(chars.len());
                    out.extend(&chars[start..i]);
                }
                _ if i == 0 || !is_name_char(chars[i - 1]) => match self.match_at(&chars, i) {
                    Some(len) => {
                        out.push('`');
                        out.extend(&chars[i..i + len]);
                        out.push('`');
                        i += len;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                },
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        out
    }

    fn match_at(&self, chars: &[char], i: usize) -> Option<usize> {
        self.quoted.iter().find_map(|name| {
            let end = i + name.len();
            if end > chars.len() || chars[i..end] != name[..] {
                return None;
            }
            let last_is_name = name.last().copied().is_some_and(is_name_char);
            let boundary = end == chars.len() || !last_is_name || !is_name_char(chars[end]);
            boundary.then_some(name.len())
        })
    }
}

fn copy_quoted(chars: &[char], start: usize, quote: char, out: &mut String) -> usize {
    out.push(chars[start]);
    let mut i = start + 1;
    while i < chars.len() {
        out.push(chars[i]);
        if chars[i] == '\\' && quote == '"' {
            if let Some(next) = chars.get(i + 1) {
                out.push(*next);
            }
            i += 2;
            continue;
        }
        i += 1;
        if chars[i - 1] == quote {
            break;
        }
    }
    i
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Whether FEEL would not read `name` as one plain identifier.
fn needs_quoting(name: &str) -> bool {
    // A dotted name without spaces is most likely a qualified name (`import.Person`) that
    // FEEL's path expression resolves; with spaces ("decision A 2.1") it is a DMN name.
    !name.is_empty()
        && !name.contains('`')
        && (!name.contains('.') || name.contains(char::is_whitespace))
        && (name.chars().any(|c| !is_name_char(c))
            || name.starts_with(|c: char| c.is_ascii_digit()))
}

/// A FEEL expression of the model, with the element it belongs to for error messages.
#[derive(Debug, Clone)]
pub(crate) struct FeelExpr {
    pub source: String,
    pub element_id: String,
    pub line: usize,
    compiled: Result<Expression, String>,
}

impl FeelExpr {
    pub fn compile(source: &str, names: &Names, element_id: &str, line: usize) -> FeelExpr {
        let compiled = Expression::parse(&names.quote(source)).map_err(|e| e.to_string());
        FeelExpr {
            source: source.to_string(),
            element_id: element_id.to_string(),
            line,
            compiled,
        }
    }

    /// The compile error, if the source is not valid FEEL.
    pub fn error(&self) -> Option<DmnError> {
        self.compiled.as_ref().err().map(|message| DmnError::Feel {
            element_id: self.element_id.clone(),
            line: self.line,
            message: message.clone(),
        })
    }

    pub fn evaluate(
        &self,
        vars: &dyn Variables,
        settings: EvalSettings,
    ) -> Result<Value, DmnError> {
        let expr = self.compiled.as_ref().map_err(|message| DmnError::Feel {
            element_id: self.element_id.clone(),
            line: self.line,
            message: message.clone(),
        })?;
        let ctx = EvalContext {
            variables: vars,
            now_millis: settings.now_millis,
            seed: settings.seed,
        };
        expr.evaluate(&ctx).map_err(|e| DmnError::Evaluation {
            element_id: self.element_id.clone(),
            message: e.to_string(),
        })
    }
}

/// Unary tests of the model (input entries, input values, allowed values).
#[derive(Debug, Clone)]
pub(crate) struct FeelTests {
    pub source: String,
    pub element_id: String,
    pub line: usize,
    compiled: Result<UnaryTests, String>,
}

impl FeelTests {
    pub fn compile(source: &str, names: &Names, element_id: &str, line: usize) -> FeelTests {
        let compiled = UnaryTests::parse(&names.quote(source)).map_err(|e| e.to_string());
        FeelTests {
            source: source.to_string(),
            element_id: element_id.to_string(),
            line,
            compiled,
        }
    }

    pub fn error(&self) -> Option<DmnError> {
        self.compiled.as_ref().err().map(|message| DmnError::Feel {
            element_id: self.element_id.clone(),
            line: self.line,
            message: message.clone(),
        })
    }

    /// Whether the input satisfies the tests (`-` and empty text match anything).
    pub fn test(
        &self,
        input: &Value,
        vars: &dyn Variables,
        settings: EvalSettings,
    ) -> Result<bool, DmnError> {
        let tests = self.compiled.as_ref().map_err(|message| DmnError::Feel {
            element_id: self.element_id.clone(),
            line: self.line,
            message: message.clone(),
        })?;
        let ctx = EvalContext {
            variables: vars,
            now_millis: settings.now_millis,
            seed: settings.seed,
        };
        tests.test(input, &ctx).map_err(|e| DmnError::Evaluation {
            element_id: self.element_id.clone(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_known_names_outside_strings_and_comments() {
        let names = Names::new(["Monthly Income", "Monthly", "Person's age", "simple"]);
        assert_eq!(
            names.quote("Monthly Income * 12 + Monthly"),
            "`Monthly Income` * 12 + Monthly"
        );
        assert_eq!(
            names.quote("Applicant.Monthly Income"),
            "Applicant.`Monthly Income`"
        );
        assert_eq!(
            names.quote("\"Monthly Income\" // Monthly Income"),
            "\"Monthly Income\" // Monthly Income"
        );
        assert_eq!(names.quote("Person's age > 18"), "`Person's age` > 18");
        // Not a match inside a longer word.
        assert_eq!(names.quote("xMonthly Income"), "xMonthly Income");
        assert_eq!(names.quote("Monthly Incomes"), "Monthly Incomes");
    }
}
