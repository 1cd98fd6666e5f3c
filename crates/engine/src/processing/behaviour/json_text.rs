//! Reading and editing the top level of stored JSON text without parsing what is not needed.
//!
//! Multi-instance bodies read one item of the input collection per inner instance and write one slot of
//! the output collection per completion (as Zeebe does, re-reading the collection every time, so a
//! collection changed while iterating is noticed). Parsing the whole collection each time made a
//! collection of `n` items cost `n²` parsed values. Here a collection is indexed (the byte range of every
//! element) and the index kept while the collection is unchanged ([`ArrayIndexes`]): an inner instance
//! parses only its own item, and a completion replaces its slot of the output collection and shifts the
//! ranges after it, the other items' text copied as it is.
//!
//! The texts are variables as the engine stores them (well-formed JSON); anything the scans do not
//! recognise yields `None`, and callers then fall back to parsing the whole value.

use hornet_protocol::Key;
use std::collections::BTreeMap;
use std::ops::Range;

// The loops below index bytes directly (no iterator adaptors): they run over whole collections for
// every inner instance, and this keeps them fast in debug builds too.

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
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
                && !matches!(bytes[j], b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
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

/// Scans the array `text`, calling `stop` with every element's index and byte range until it says
/// so; `None` if `text` is not an array.
fn scan_array(text: &str, stop: &mut dyn FnMut(usize, Range<usize>) -> bool) -> Option<Scan> {
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
        if stop(count, i..end) {
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

/// The array `text` with the element at `index` replaced by `element` (itself JSON text); an array
/// shorter than that is first padded with `null`s.
pub(crate) fn array_with(text: &str, index: usize, element: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + element.len() + 5 * index);
    match scan_array(text, &mut |i, _| i == index)? {
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

/// The element ranges of one array text, for reading many of its items without scanning it again.
pub(crate) struct ArrayIndex {
    text: String,
    ranges: Vec<Range<usize>>,
}

impl ArrayIndex {
    /// Indexes the array `text`; `None` if it is not one.
    pub(crate) fn build(text: &str) -> Option<ArrayIndex> {
        let mut ranges = Vec::new();
        scan_array(text, &mut |_, range| {
            ranges.push(range);
            false
        })?;
        Some(ArrayIndex {
            text: text.to_string(),
            ranges,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.ranges.len()
    }

    /// The text of the element at `index`, if there is one.
    pub(crate) fn element(&self, index: usize) -> Option<&str> {
        self.text.get(self.ranges.get(index)?.clone())
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The memory the index holds, roughly.
    fn weight(&self) -> usize {
        self.text.len() + self.ranges.len() * std::mem::size_of::<Range<usize>>()
    }

    /// The array with the element at `index` replaced by `element` (JSON text), the other elements'
    /// text kept as it is; a shorter array is first padded with `null`s.
    pub(crate) fn with(&self, index: usize, element: &str) -> Option<ArrayIndex> {
        let Some(old) = self.ranges.get(index).cloned() else {
            return ArrayIndex::build(&array_with(&self.text, index, element)?);
        };
        let mut text = String::with_capacity(self.text.len() + element.len());
        text.push_str(self.text.get(..old.start)?);
        text.push_str(element);
        text.push_str(self.text.get(old.end..)?);
        let new_end = old.start + element.len();
        let mut ranges = Vec::with_capacity(self.ranges.len());
        ranges.extend_from_slice(&self.ranges[..index]);
        ranges.push(old.start..new_end);
        for range in &self.ranges[index + 1..] {
            ranges.push(range.start - old.end + new_end..range.end - old.end + new_end);
        }
        Some(ArrayIndex { text, ranges })
    }
}

/// Array indexes of collections the engine reads item by item (multi-instance input and output
/// collections), by where the text was read (a scope and a variable path). Like the process cache,
/// this is derived from state: an index is used only while its source holds exactly the indexed text
/// (compared in full on every use), so it never changes a result; it spares scanning a collection
/// again for every inner instance. Bounded in entries and bytes; the oldest entries go first.
#[derive(Default)]
pub(crate) struct ArrayIndexes {
    by_source: BTreeMap<(Key, String), (u64, ArrayIndex)>,
    next_stamp: u64,
    bytes: usize,
}

impl ArrayIndexes {
    const MAX_ENTRIES: usize = 64;
    const MAX_BYTES: usize = 64 << 20;

    /// The index of `text`, read from `source`: the one built before if the text is unchanged, else a
    /// new one. `None` if `text` is not an array.
    pub(crate) fn of(&mut self, source: (Key, String), text: &str) -> Option<&ArrayIndex> {
        let fresh = self
            .by_source
            .get(&source)
            .is_some_and(|(_, index)| index.text == text);
        if !fresh {
            self.put(source.clone(), ArrayIndex::build(text)?);
        }
        self.by_source.get(&source).map(|(_, index)| index)
    }

    /// Keeps `index` as the index of what `source` now holds.
    pub(crate) fn put(&mut self, source: (Key, String), index: ArrayIndex) {
        if let Some((_, old)) = self.by_source.remove(&source) {
            self.bytes -= old.weight();
        }
        if index.weight() > Self::MAX_BYTES {
            return;
        }
        while self.by_source.len() >= Self::MAX_ENTRIES
            || self.bytes + index.weight() > Self::MAX_BYTES
        {
            let Some(oldest) = self
                .by_source
                .iter()
                .min_by_key(|(_, (stamp, _))| *stamp)
                .map(|(source, _)| source.clone())
            else {
                break;
            };
            if let Some((_, old)) = self.by_source.remove(&oldest) {
                self.bytes -= old.weight();
            }
        }
        self.bytes += index.weight();
        self.next_stamp += 1;
        self.by_source.insert(source, (self.next_stamp, index));
    }

    pub(crate) fn clear(&mut self) {
        self.by_source.clear();
        self.bytes = 0;
    }
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
        let index = ArrayIndex::build(text).unwrap();
        assert_eq!(index.len(), 7);
        assert_eq!(index.element(0), Some("1"));
        assert_eq!(index.element(1), Some(r#""a,]\"[""#));
        assert_eq!(index.element(2), Some(r#"{"k":[2,3]}"#));
        assert_eq!(index.element(3), Some("[[]]"));
        assert_eq!(index.element(5), Some("-1.5e3"));
        assert_eq!(index.element(6), Some("true"));
        assert_eq!(index.element(7), None);
        let spaced = ArrayIndex::build(" [ 1 , 2 ] ").unwrap();
        assert_eq!((spaced.len(), spaced.element(1)), (2, Some("2")));
        assert_eq!(ArrayIndex::build("[]").unwrap().len(), 0);
        assert_eq!(ArrayIndex::build(" [ ] ").unwrap().len(), 0);
        assert!(is_array(" [1]") && !is_array("{}"));
    }

    #[test]
    fn an_index_serves_elements_while_its_source_is_unchanged() {
        let mut indexes = ArrayIndexes::default();
        let source = (Key::NONE, "items".to_string());
        let index = indexes.of(source.clone(), r#"[1,"b",[3]]"#).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(index.element(1), Some(r#""b""#));
        assert_eq!(index.element(2), Some("[3]"));
        assert_eq!(index.element(3), None);
        // Changed text: indexed again.
        let index = indexes.of(source.clone(), "[7]").unwrap();
        assert_eq!((index.len(), index.element(0)), (1, Some("7")));
        assert!(indexes.of(source, "{}").is_none());
    }

    #[test]
    fn replacing_an_element_keeps_the_index_exact() {
        let index = ArrayIndex::build(r#"[null,"bb",[1,2],null]"#).unwrap();
        for (i, element, expected) in [
            (0, r#"{"a":1}"#, r#"[{"a":1},"bb",[1,2],null]"#),
            (1, "7", r#"[null,7,[1,2],null]"#),
            (3, r#""last""#, r#"[null,"bb",[1,2],"last"]"#),
            (5, "true", r#"[null,"bb",[1,2],null,null,true]"#),
        ] {
            let updated = index.with(i, element).unwrap();
            assert_eq!(updated.text(), expected);
            let rebuilt = ArrayIndex::build(expected).unwrap();
            assert_eq!(updated.ranges, rebuilt.ranges, "{expected}");
        }
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut indexes = ArrayIndexes::default();
        for i in 0..(ArrayIndexes::MAX_ENTRIES + 10) {
            indexes.of((Key::NONE, i.to_string()), "[1]").unwrap();
        }
        assert_eq!(indexes.by_source.len(), ArrayIndexes::MAX_ENTRIES);
        // The oldest went first.
        assert!(!indexes
            .by_source
            .contains_key(&(Key::NONE, "0".to_string())));
        let weight = 3 + std::mem::size_of::<Range<usize>>();
        assert_eq!(indexes.bytes, weight * ArrayIndexes::MAX_ENTRIES);
        indexes.clear();
        assert_eq!((indexes.by_source.len(), indexes.bytes), (0, 0));
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
            assert!(ArrayIndex::build(text).is_none(), "{text}");
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
