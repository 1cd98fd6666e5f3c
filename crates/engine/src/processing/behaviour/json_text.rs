//! Reading and editing the top level of stored JSON text without parsing what is not needed.
//!
//! Multi-instance bodies read one item of the input collection per inner instance and write one slot of
//! the output collection per completion (as Zeebe does, re-reading the collection every time, so a
//! collection changed while iterating is noticed). Parsing the whole collection each time made a
//! collection of `n` items cost `n²` parsed values; these scans only skip over the other items'
//! characters and parse the one item wanted.
//!
//! The texts are variables as the engine stores them (well-formed JSON); anything the scans do not
//! recognise yields `None`, and callers then fall back to parsing the whole value.

use std::ops::Range;

// The loops below index bytes directly (no iterator adaptors): they run over whole collections for
// every inner instance, and this keeps them fast in debug builds too.

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_whitespace(bytes[i]) {
        i += 1;
    }
    i
}

/// `i` is just after an opening quote: the index after the closing quote.
fn skip_string(bytes: &[u8], mut i: usize) -> Option<usize> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just after the value starting at `i`.
fn skip_value(bytes: &[u8], i: usize) -> Option<usize> {
    match *bytes.get(i)? {
        b'"' => skip_string(bytes, i + 1),
        b'[' | b'{' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < bytes.len() {
                match bytes[j] {
                    b'"' => {
                        j = skip_string(bytes, j + 1)?;
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < bytes.len()
                && !matches!(bytes[j], b',' | b']' | b'}')
                && !is_whitespace(bytes[j])
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// How a scan of an array ended.
enum Scan {
    /// The element at the index asked for: its byte range.
    Found(Range<usize>),
    /// The array ended first: its length.
    Ended(usize),
}

/// Scans the array `text` up to the element at `index` (to its end if `None`); `None` if `text` is
/// not an array.
fn scan_array(text: &str, index: Option<usize>) -> Option<Scan> {
    let bytes = text.as_bytes();
    let mut i = skip_whitespace(bytes, 0);
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_whitespace(bytes, i + 1);
    let mut count = 0;
    if bytes.get(i) == Some(&b']') {
        return (skip_whitespace(bytes, i + 1) == bytes.len()).then_some(Scan::Ended(count));
    }
    loop {
        let end = skip_value(bytes, i)?;
        if index == Some(count) {
            return Some(Scan::Found(i..end));
        }
        count += 1;
        i = skip_whitespace(bytes, end);
        match *bytes.get(i)? {
            b',' => i = skip_whitespace(bytes, i + 1),
            b']' => {
                return (skip_whitespace(bytes, i + 1) == bytes.len()).then_some(Scan::Ended(count))
            }
            _ => return None,
        }
    }
}

/// Whether `text` is an array, judged by its first character only (for texts the engine wrote).
pub(crate) fn is_array(text: &str) -> bool {
    text.trim_start().starts_with('[')
}

/// The number of elements of the array `text`.
pub(crate) fn array_len(text: &str) -> Option<usize> {
    match scan_array(text, None)? {
        Scan::Ended(len) => Some(len),
        Scan::Found(_) => None,
    }
}

/// The text of the element at `index` of the array `text` (scanning no further), or, if the array is
/// shorter, its length.
pub(crate) fn array_element(text: &str, index: usize) -> Option<Result<&str, usize>> {
    match scan_array(text, Some(index))? {
        Scan::Found(range) => text.get(range).map(Ok),
        Scan::Ended(len) => Some(Err(len)),
    }
}

/// The array `text` with the element at `index` replaced by `element` (itself JSON text); an array
/// shorter than that is first padded with `null`s.
pub(crate) fn array_with(text: &str, index: usize, element: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + element.len() + 5 * index);
    match scan_array(text, Some(index))? {
        Scan::Found(range) => {
            out.push_str(text.get(..range.start)?);
            out.push_str(element);
            out.push_str(text.get(range.end..)?);
        }
        Scan::Ended(len) => {
            let close = text.rfind(']')?;
            out.push_str(text.get(..close)?.trim_end());
            for i in len..index {
                out.push_str(if i == 0 { "null" } else { ",null" });
            }
            if index > 0 {
                out.push(',');
            }
            out.push_str(element);
            out.push_str(text.get(close..)?);
        }
    }
    Some(out)
}

/// The text of the member `name` of the object `text`, if `text` is an object that has it.
pub(crate) fn object_member<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let bytes = text.as_bytes();
    let mut i = skip_whitespace(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_whitespace(bytes, i + 1);
    if bytes.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = skip_string(bytes, i + 1)?;
        let key: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        i = skip_whitespace(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i = skip_whitespace(bytes, i + 1);
        let value_end = skip_value(bytes, i)?;
        if key == name {
            return text.get(i..value_end);
        }
        i = skip_whitespace(bytes, value_end);
        match *bytes.get(i)? {
            b',' => i = skip_whitespace(bytes, i + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_elements_and_counts_them() {
        let text = r#"[1,"a,]\"[",{"k":[2,3]},[[]],null,-1.5e3,true]"#;
        assert_eq!(array_len(text), Some(7));
        assert_eq!(array_element(text, 0), Some(Ok("1")));
        assert_eq!(array_element(text, 1), Some(Ok(r#""a,]\"[""#)));
        assert_eq!(array_element(text, 2), Some(Ok(r#"{"k":[2,3]}"#)));
        assert_eq!(array_element(text, 3), Some(Ok("[[]]")));
        assert_eq!(array_element(text, 5), Some(Ok("-1.5e3")));
        assert_eq!(array_element(text, 6), Some(Ok("true")));
        assert_eq!(array_element(text, 7), Some(Err(7)));
        assert_eq!(array_element(" [ 1 , 2 ] ", 1), Some(Ok("2")));
        assert_eq!(array_element("[]", 0), Some(Err(0)));
        assert_eq!(array_len("[]"), Some(0));
        assert_eq!(array_len(" [ ] "), Some(0));
        assert!(is_array(" [1]") && !is_array("{}"));
    }

    #[test]
    fn anything_but_an_array_is_none() {
        for text in [
            "",
            "1",
            "null",
            r#"{"a":[1]}"#,
            r#""[1]""#,
            "[1",
            "[1,",
            "[1]x",
            "[1 2]",
        ] {
            assert_eq!(array_len(text), None, "{text}");
        }
    }

    #[test]
    fn replaces_an_element_keeping_the_others_verbatim() {
        assert_eq!(
            array_with("[null,null,null]", 1, r#""B""#).as_deref(),
            Some(r#"[null,"B",null]"#)
        );
        assert_eq!(
            array_with(r#"[{"a":1},2]"#, 0, "[]").as_deref(),
            Some("[[],2]")
        );
        assert_eq!(array_with("[1,2]", 1, "3").as_deref(), Some("[1,3]"));
        // Beyond the end: padded with nulls.
        assert_eq!(array_with("[]", 0, "7").as_deref(), Some("[7]"));
        assert_eq!(array_with("[]", 2, "7").as_deref(), Some("[null,null,7]"));
        assert_eq!(
            array_with("[1]", 3, "7").as_deref(),
            Some("[1,null,null,7]")
        );
        assert_eq!(array_with("{}", 0, "7"), None);
    }

    #[test]
    fn finds_object_members() {
        let text = r#"{"a":1,"b\"":[1,{"c":"}"}],"items":[1,2]}"#;
        assert_eq!(object_member(text, "items"), Some("[1,2]"));
        assert_eq!(object_member(text, "b\""), Some(r#"[1,{"c":"}"}]"#));
        assert_eq!(object_member(text, "a"), Some("1"));
        assert_eq!(object_member(text, "x"), None);
        assert_eq!(object_member("{}", "a"), None);
        assert_eq!(object_member("[1]", "a"), None);
    }
}
