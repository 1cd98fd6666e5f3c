//! Deploy-time errors: malformed XML and the collected validation problems of a resource.

use std::fmt;

/// A line and column in the XML resource (both 1-based; the column counts characters).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextPosition {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl fmt::Display for TextPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a BPMN resource cannot be deployed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BpmnError {
    /// The resource is not well-formed XML (or not UTF-8).
    #[error("malformed XML at line {}, column {}: {message}", position.line, position.column)]
    MalformedXml {
        /// Where the XML reader gave up.
        position: TextPosition,
        /// What is wrong.
        message: String,
    },
    /// The XML is well-formed but the process model is invalid; every problem found is listed.
    #[error("{0}")]
    Invalid(ValidationErrors),
}

impl BpmnError {
    /// The validation problems (empty for malformed XML).
    pub fn problems(&self) -> &[ValidationError] {
        match self {
            BpmnError::MalformedXml { .. } => &[],
            BpmnError::Invalid(errors) => &errors.0,
        }
    }
}

/// All validation problems of one resource, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// One validation problem, Zeebe style: `Element: <id>\n    - ERROR: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValidationError {
    /// The id of the offending element (the `definitions` id, or `definitions` if it has none,
    /// for resource-wide problems).
    pub element_id: String,
    /// What is wrong.
    pub message: String,
    /// Where the element starts in the XML, if known.
    pub position: Option<TextPosition>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Element: {}\n    - ERROR: {}",
            self.element_id, self.message
        )?;
        if let Some(position) = self.position {
            write!(f, " (line {}, column {})", position.line, position.column)?;
        }
        Ok(())
    }
}
