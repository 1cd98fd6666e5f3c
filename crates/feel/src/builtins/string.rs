//! String functions. Positions and lengths count Unicode code points, as in FEEL.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::number::Number;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("substring", &["string", "start position"], 2, substring),
    sig(
        "substring",
        &["string", "start position", "length"],
        3,
        substring,
    ),
    sig("string length", &["string"], 1, string_length),
    sig("upper case", &["string"], 1, upper_case),
    sig("lower case", &["string"], 1, lower_case),
    sig(
        "substring before",
        &["string", "match"],
        2,
        substring_before,
    ),
    sig("substring after", &["string", "match"], 2, substring_after),
    sig("contains", &["string", "match"], 2, contains),
    sig("starts with", &["string", "match"], 2, starts_with),
    sig("ends with", &["string", "match"], 2, ends_with),
    sig("matches", &["input", "pattern"], 2, matches),
    sig("matches", &["input", "pattern", "flags"], 3, matches),
    sig("replace", &["input", "pattern", "replacement"], 3, replace),
    sig(
        "replace",
        &["input", "pattern", "replacement", "flags"],
        4,
        replace,
    ),
    sig("split", &["string", "delimiter"], 2, split),
    sig("extract", &["string", "pattern"], 2, extract),
    sig("string join", &["list"], 1, string_join),
    sig("string join", &["list", "delimiter"], 2, string_join),
    sig(
        "string join",
        &["list", "delimiter", "prefix", "suffix"],
        4,
        string_join,
    ),
    sig("trim", &["string"], 1, trim),
    sig("is blank", &["string"], 1, is_blank),
    sig("to base64", &["value"], 1, to_base64),
];

type R = Result<Value, EvalErrorKind>;

fn str_fn(a: Vec<Value>, f: impl FnOnce(&str) -> Value) -> R {
    Ok(match args::<1>(a) {
        [Value::String(s)] => f(&s),
        _ => Value::Null,
    })
}

fn two_str_fn(a: Vec<Value>, f: impl FnOnce(&str, &str) -> Value) -> R {
    Ok(match args::<2>(a) {
        [Value::String(s), Value::String(m)] => f(&s, &m),
        _ => Value::Null,
    })
}

fn substring(a: Vec<Value>, _: &mut Evaluator) -> R {
    let with_length = a.len() == 3;
    let [s, start, length] = args::<3>(a);
    let (Value::String(s), Value::Number(start)) = (s, start) else {
        return Ok(Value::Null);
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let Some(start) = start.trunc_i64() else {
        return Ok(Value::Null);
    };
    // 1-based; negative positions count from the end.
    let from = if start > 0 { start - 1 } else { len + start };
    let from = from.clamp(0, len);
    let to = if with_length {
        let Value::Number(n) = length else {
            return Ok(Value::Null);
        };
        let Some(n) = n.trunc_i64() else {
            return Ok(Value::Null);
        };
        if n < 0 {
            return Ok(Value::Null);
        }
        from.saturating_add(n).min(len)
    } else {
        len
    };
    Ok(Value::String(
        chars[from as usize..to as usize].iter().collect(),
    ))
}

fn string_length(a: Vec<Value>, _: &mut Evaluator) -> R {
    str_fn(a, |s| Value::Number(Number::from(s.chars().count())))
}

fn upper_case(a: Vec<Value>, _: &mut Evaluator) -> R {
    str_fn(a, |s| Value::String(s.to_uppercase()))
}

fn lower_case(a: Vec<Value>, _: &mut Evaluator) -> R {
    str_fn(a, |s| Value::String(s.to_lowercase()))
}

fn substring_before(a: Vec<Value>, _: &mut Evaluator) -> R {
    two_str_fn(a, |s, m| {
        Value::String(s.find(m).map_or(String::new(), |i| s[..i].to_string()))
    })
}

fn substring_after(a: Vec<Value>, _: &mut Evaluator) -> R {
    two_str_fn(a, |s, m| {
        Value::String(
            s.find(m)
                .map_or(String::new(), |i| s[i + m.len()..].to_string()),
        )
    })
}

fn contains(a: Vec<Value>, _: &mut Evaluator) -> R {
    two_str_fn(a, |s, m| Value::Bool(s.contains(m)))
}

fn starts_with(a: Vec<Value>, _: &mut Evaluator) -> R {
    two_str_fn(a, |s, m| Value::Bool(s.starts_with(m)))
}

fn ends_with(a: Vec<Value>, _: &mut Evaluator) -> R {
    two_str_fn(a, |s, m| Value::Bool(s.ends_with(m)))
}

fn to_base64(a: Vec<Value>, _: &mut Evaluator) -> R {
    str_fn(a, |s| Value::String(base64(s.as_bytes())))
}

/// Standard Base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn trim(a: Vec<Value>, _: &mut Evaluator) -> R {
    str_fn(a, |s| Value::String(s.trim().to_string()))
}

fn is_blank(a: Vec<Value>, _: &mut Evaluator) -> R {
    str_fn(a, |s| Value::Bool(s.trim().is_empty()))
}

/// Compiles an XPath-style regex with flags `s`, `m`, `i`, `x`, `q`; `None` if invalid.
fn regex(pattern: &str, flags: &Value) -> Option<regex::Regex> {
    let flags = match flags {
        Value::Null => String::new(),
        Value::String(f) => f.clone(),
        _ => return None,
    };
    if flags
        .chars()
        .any(|f| !matches!(f, 's' | 'm' | 'i' | 'x' | 'q'))
    {
        return None;
    }
    let translated = if flags.contains('q') {
        regex::escape(pattern)
    } else {
        translate_regex(pattern, flags.contains('x'), flags.contains('s'))
    };
    regex::RegexBuilder::new(&translated)
        .multi_line(flags.contains('m'))
        .case_insensitive(flags.contains('i'))
        .size_limit(1 << 20)
        .build()
        .ok()
}

/// Adapts XPath/Java regex syntax to the regex crate: with `x`, whitespace outside character
/// classes is removed (XPath has no `#` comments, unlike the crate's own `x` mode); without
/// `s`, `.` does not match any line terminator (`\n`, `\r`, U+0085, U+2028, U+2029).
fn translate_regex(pattern: &str, remove_whitespace: bool, dot_all: bool) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    // Depth of (possibly nested) character classes.
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        let in_class = class_depth > 0;
        match c {
            c if remove_whitespace && !in_class && matches!(c, ' ' | '\t' | '\n' | '\r') => {}
            '\\' => {
                out.push('\\');
                if remove_whitespace && !in_class {
                    while chars
                        .next_if(|n| matches!(n, ' ' | '\t' | '\n' | '\r'))
                        .is_some()
                    {}
                }
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '[' => {
                // XPath class subtraction `[A-Z-[OI]]` is `[A-Z--[OI]]` in the regex crate.
                if in_class && out.ends_with('-') {
                    out.push('-');
                }
                class_depth += 1;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal.
                if let Some(caret) = chars.next_if_eq(&'^') {
                    out.push(caret);
                }
                if chars.next_if_eq(&']').is_some() {
                    out.push_str("\\]");
                }
            }
            ']' if in_class => {
                class_depth -= 1;
                out.push(']');
            }
            '.' if !in_class && !dot_all => out.push_str("[^\\n\\r\\u{85}\\u{2028}\\u{2029}]"),
            other => out.push(other),
        }
    }
    out
}

fn matches(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [input, pattern, flags] = args::<3>(a);
    let (Value::String(input), Value::String(pattern)) = (input, pattern) else {
        return Ok(Value::Null);
    };
    Ok(regex(&pattern, &flags).map_or(Value::Null, |re| Value::Bool(re.is_match(&input))))
}

/// Converts an XPath replacement (`$1`) into the regex crate's syntax (`${1}`), so that a
/// group number followed by letters is not misread as a named group.
fn replacement_syntax(replacement: &str) -> String {
    let mut out = String::with_capacity(replacement.len());
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn replace(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [input, pattern, replacement, flags] = args::<4>(a);
    let (Value::String(input), Value::String(pattern), Value::String(replacement)) =
        (input, pattern, replacement)
    else {
        return Ok(Value::Null);
    };
    let Some(re) = regex(&pattern, &flags) else {
        return Ok(Value::Null);
    };
    let replacement = replacement_syntax(&replacement);
    Ok(Value::String(
        re.replace_all(&input, replacement.as_str()).into_owned(),
    ))
}

fn split(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [s, delimiter] = args::<2>(a);
    let (Value::String(s), Value::String(delimiter)) = (s, delimiter) else {
        return Ok(Value::Null);
    };
    let Some(re) = regex(&delimiter, &Value::Null) else {
        return Ok(Value::Null);
    };
    Ok(Value::List(
        re.split(&s)
            .map(|part| Value::String(part.to_string()))
            .collect(),
    ))
}

fn extract(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [s, pattern] = args::<2>(a);
    let (Value::String(s), Value::String(pattern)) = (s, pattern) else {
        return Ok(Value::Null);
    };
    let Some(re) = regex(&pattern, &Value::Null) else {
        return Ok(Value::Null);
    };
    Ok(Value::List(
        re.find_iter(&s)
            .map(|m| Value::String(m.as_str().to_string()))
            .collect(),
    ))
}

fn string_join(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [list, delimiter, prefix, suffix] = args::<4>(a);
    let Value::List(items) = list else {
        return Ok(Value::Null);
    };
    let text = |v: Value| match v {
        Value::String(s) => Some(s),
        Value::Null => Some(String::new()),
        _ => None,
    };
    let (Some(delimiter), Some(prefix), Some(suffix)) =
        (text(delimiter), text(prefix), text(suffix))
    else {
        return Ok(Value::Null);
    };
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => parts.push(s),
            // feel-scala skips null elements.
            Value::Null => {}
            _ => return Ok(Value::Null),
        }
    }
    Ok(Value::String(format!(
        "{prefix}{}{suffix}",
        parts.join(&delimiter)
    )))
}
