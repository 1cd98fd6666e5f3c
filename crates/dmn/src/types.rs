//! Type references (`typeRef`) and the DMN type conformance rules: values that do not conform
//! to a declared type become null, a singleton list converts to its element, and an item
//! definition's allowed values restrict its base type.

use crate::feel_text::EvalSettings;
use crate::model::{Definitions, ItemDefinition};
use hornet_feel::{EmptyVariables, Value};

/// A built-in FEEL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuiltinType {
    Any,
    String,
    Number,
    Boolean,
    Date,
    Time,
    DateTime,
    DayTimeDuration,
    YearMonthDuration,
    Context,
    List,
    Function,
    Range,
}

/// A resolved-by-name `typeRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Builtin(BuiltinType),
    /// An item definition of the model, by name.
    Named(String),
}

impl TypeRef {
    pub fn parse(text: &str) -> Option<TypeRef> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let bare = text
            .strip_prefix("feel:")
            .or_else(|| text.strip_prefix("FEEL:"))
            .unwrap_or(text);
        let builtin = match bare {
            "Any" | "any" => BuiltinType::Any,
            "string" => BuiltinType::String,
            "number" => BuiltinType::Number,
            "boolean" => BuiltinType::Boolean,
            "date" => BuiltinType::Date,
            "time" => BuiltinType::Time,
            "dateTime" | "date and time" => BuiltinType::DateTime,
            "dayTimeDuration" | "days and time duration" => BuiltinType::DayTimeDuration,
            "yearMonthDuration" | "years and months duration" => BuiltinType::YearMonthDuration,
            "context" => BuiltinType::Context,
            "list" => BuiltinType::List,
            "function" => BuiltinType::Function,
            "range" => BuiltinType::Range,
            _ if bare.starts_with("list<") => BuiltinType::List,
            _ if bare.starts_with("context<") => BuiltinType::Context,
            _ if bare.starts_with("function<") => BuiltinType::Function,
            _ if bare.starts_with("range<") => BuiltinType::Range,
            _ => return Some(TypeRef::Named(text.to_string())),
        };
        Some(TypeRef::Builtin(builtin))
    }
}

fn conforms_builtin(value: &Value, ty: BuiltinType) -> bool {
    matches!(
        (ty, value),
        (BuiltinType::Any, _)
            | (_, Value::Null)
            | (BuiltinType::String, Value::String(_))
            | (BuiltinType::Number, Value::Number(_))
            | (BuiltinType::Boolean, Value::Bool(_))
            | (BuiltinType::Date, Value::Date(_))
            | (BuiltinType::Time, Value::Time(_) | Value::LocalTime(_))
            | (
                BuiltinType::DateTime,
                Value::DateTime(_) | Value::LocalDateTime(_)
            )
            | (BuiltinType::DayTimeDuration, Value::DayTimeDuration(_))
            | (BuiltinType::YearMonthDuration, Value::YearMonthDuration(_))
            | (BuiltinType::Context, Value::Context(_))
            | (BuiltinType::List, Value::List(_))
            | (BuiltinType::Function, Value::Function(_))
            | (BuiltinType::Range, Value::Range(_))
    )
}

/// Recursion guard for self-referencing item definitions.
const MAX_TYPE_DEPTH: usize = 32;

impl Definitions {
    pub(crate) fn item_definition(&self, name: &str) -> Option<&ItemDefinition> {
        self.item_definitions.iter().find(|d| d.name == name)
    }

    /// Applies the DMN conformance rules of `type_ref` to `value`.
    pub(crate) fn coerce(
        &self,
        value: Value,
        type_ref: Option<&TypeRef>,
        settings: EvalSettings,
    ) -> Value {
        match type_ref {
            None => value,
            Some(t) => self.coerce_to(value, t, settings, 0),
        }
    }

    fn coerce_to(&self, value: Value, ty: &TypeRef, settings: EvalSettings, depth: usize) -> Value {
        if value.is_null() || depth > MAX_TYPE_DEPTH {
            return value;
        }
        match ty {
            TypeRef::Builtin(b) => coerce_builtin(value, *b),
            TypeRef::Named(name) => match self.item_definition(name) {
                Some(def) => self.coerce_item(value, def, settings, depth + 1),
                // Unknown types (e.g. of imported models) are not checked.
                None => value,
            },
        }
    }

    fn coerce_item(
        &self,
        value: Value,
        def: &ItemDefinition,
        settings: EvalSettings,
        depth: usize,
    ) -> Value {
        if def.is_collection {
            let items = match value {
                Value::List(items) => items,
                // A single value conforms to a collection type as a singleton list.
                other => vec![other],
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let was_null = item.is_null();
                let coerced = self.coerce_element(item, def, settings, depth);
                if coerced.is_null() && !was_null {
                    return Value::Null;
                }
                out.push(coerced);
            }
            return Value::List(out);
        }
        self.coerce_element(value, def, settings, depth)
    }

    /// Coerces to the item definition as if it were not a collection.
    fn coerce_element(
        &self,
        value: Value,
        def: &ItemDefinition,
        settings: EvalSettings,
        depth: usize,
    ) -> Value {
        if value.is_null() {
            return value;
        }
        if def.is_function {
            return match value {
                Value::Function(_) => value,
                _ => Value::Null,
            };
        }
        let value = if !def.components.is_empty() {
            let value = match value {
                Value::List(mut items) if items.len() == 1 => items.remove(0),
                other => other,
            };
            let Value::Context(ctx) = value else {
                return Value::Null;
            };
            let mut out = ctx.clone();
            for component in &def.components {
                // A context without one of the type's components does not conform.
                let Some(entry) = ctx.get(&component.name).cloned() else {
                    return Value::Null;
                };
                let was_null = entry.is_null();
                let coerced = self.coerce_item(entry, component, settings, depth + 1);
                if coerced.is_null() && !was_null {
                    return Value::Null;
                }
                out.insert(component.name.clone(), coerced);
            }
            Value::Context(out)
        } else {
            match &def.type_ref {
                Some(t) => self.coerce_to(value, t, settings, depth + 1),
                None => value,
            }
        };
        if value.is_null() {
            return value;
        }
        for tests in [&def.allowed_values, &def.type_constraint]
            .into_iter()
            .flatten()
        {
            match tests.test(&value, &EmptyVariables, settings) {
                Ok(true) => {}
                _ => return Value::Null,
            }
        }
        value
    }
}

fn coerce_builtin(value: Value, ty: BuiltinType) -> Value {
    if conforms_builtin(&value, ty) {
        return value;
    }
    match value {
        // Singleton list conversion (DMN 1.5, 10.3.2.9.4).
        Value::List(mut items) if items.len() == 1 && conforms_builtin(&items[0], ty) => {
            items.remove(0)
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_builtin_and_named_types() {
        assert_eq!(
            TypeRef::parse("feel:number"),
            Some(TypeRef::Builtin(BuiltinType::Number))
        );
        assert_eq!(
            TypeRef::parse("date and time"),
            Some(TypeRef::Builtin(BuiltinType::DateTime))
        );
        assert_eq!(
            TypeRef::parse("tPerson"),
            Some(TypeRef::Named("tPerson".into()))
        );
        assert_eq!(TypeRef::parse("  "), None);
    }

    #[test]
    fn builtin_conformance() {
        assert_eq!(
            coerce_builtin(Value::number(1), BuiltinType::String),
            Value::Null
        );
        assert_eq!(
            coerce_builtin(Value::List(vec![Value::number(1)]), BuiltinType::Number),
            Value::number(1)
        );
        assert_eq!(
            coerce_builtin(Value::string("a"), BuiltinType::Any),
            Value::string("a")
        );
    }
}
