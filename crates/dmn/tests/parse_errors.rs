//! Parse errors name the element id and the line.

use hornet_dmn::{parse_definitions, parse_definitions_lenient, DmnError};

fn doc(body: &str) -> String {
    format!(
        "<definitions xmlns=\"https://www.omg.org/spec/DMN/20180521/MODEL/\" id=\"defs\" name=\"m\" namespace=\"m\">\n{body}\n</definitions>"
    )
}

#[test]
fn invalid_feel_names_the_element_and_line() {
    let xml = doc(
        "<decision id=\"d1\" name=\"D1\">\n  <literalExpression id=\"lit1\">\n    <text>1 +</text>\n  </literalExpression>\n</decision>",
    );
    match parse_definitions(xml.as_bytes()) {
        Err(DmnError::Feel {
            element_id, line, ..
        }) => {
            assert_eq!(element_id, "lit1");
            assert_eq!(line, 3);
        }
        other => panic!("expected a FEEL error, got {other:?}"),
    }
    // The lenient parser keeps the model and fails only that decision.
    let defs = parse_definitions_lenient(xml.as_bytes()).unwrap();
    assert_eq!(defs.compile_errors().len(), 1);
    let failure = defs
        .evaluate_decision("d1", &hornet_feel::EmptyVariables, Default::default())
        .unwrap_err();
    assert_eq!(failure.failed_decision_id, "d1");
    assert!(matches!(failure.error, DmnError::Feel { .. }));
}

#[test]
fn invalid_input_entry_names_the_entry() {
    let xml = doc(r#"<decision id="d" name="d">
  <decisionTable id="t">
    <input id="i"><inputExpression><text>x</text></inputExpression></input>
    <output id="o"/>
    <rule id="r"><inputEntry id="bad_entry"><text>&gt; &gt;</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
  </decisionTable>
</decision>"#);
    match parse_definitions(xml.as_bytes()) {
        Err(DmnError::Feel {
            element_id, line, ..
        }) => {
            assert_eq!(element_id, "bad_entry");
            assert_eq!(line, 6);
        }
        other => panic!("expected a FEEL error, got {other:?}"),
    }
}

#[test]
fn structural_errors_name_the_element() {
    let unknown_policy = doc(r#"<decision id="d" name="d">
  <decisionTable id="table7" hitPolicy="SOMETIMES">
    <output id="o"/>
  </decisionTable>
</decision>"#);
    match parse_definitions(unknown_policy.as_bytes()) {
        Err(DmnError::Model {
            element_id,
            line,
            message,
        }) => {
            assert_eq!(element_id, "table7");
            assert_eq!(line, 3);
            assert!(message.contains("SOMETIMES"), "{message}");
        }
        other => panic!("expected a model error, got {other:?}"),
    }

    let wrong_cells = doc(r#"<decision id="d" name="d">
  <decisionTable id="t">
    <input id="i"><inputExpression><text>x</text></inputExpression></input>
    <output id="o"/>
    <rule id="rule9"><outputEntry><text>1</text></outputEntry></rule>
  </decisionTable>
</decision>"#);
    assert!(matches!(
        parse_definitions(wrong_cells.as_bytes()),
        Err(DmnError::Model { element_id, .. }) if element_id == "rule9"
    ));

    let missing_name = doc(
        r#"<decision id="nameless"><literalExpression><text>1</text></literalExpression></decision>"#,
    );
    assert!(matches!(
        parse_definitions(missing_name.as_bytes()),
        Err(DmnError::Model { element_id, .. }) if element_id == "nameless"
    ));

    let dangling = doc(r##"<decision id="d" name="d">
  <informationRequirement><requiredDecision href="#ghost"/></informationRequirement>
  <literalExpression><text>1</text></literalExpression>
</decision>"##);
    match parse_definitions(dangling.as_bytes()) {
        Err(DmnError::Model {
            element_id,
            message,
            ..
        }) => {
            assert_eq!(element_id, "d");
            assert!(message.contains("ghost"), "{message}");
        }
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[test]
fn malformed_xml_and_wrong_roots_are_rejected() {
    assert!(matches!(
        parse_definitions(b"<definitions>\n<decision>\n</definitions>"),
        Err(DmnError::Xml { line: 3, .. })
    ));
    assert!(matches!(
        parse_definitions(b"<process id=\"p\"/>"),
        Err(DmnError::Model { element_id, .. }) if element_id == "p"
    ));
    assert!(matches!(parse_definitions(b""), Err(DmnError::Xml { .. })));
}

#[test]
fn imports_are_reported_as_unsupported() {
    let xml = doc(
        r#"<import name="other" namespace="urn:other" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>
<decision id="d" name="d"><literalExpression><text>other.x</text></literalExpression></decision>"#,
    );
    match parse_definitions(xml.as_bytes()) {
        Err(DmnError::Unsupported {
            element_id,
            feature,
        }) => {
            assert_eq!(element_id, "other");
            assert!(feature.contains("urn:other"), "{feature}");
        }
        other => panic!("expected an unsupported error, got {other:?}"),
    }
    // Leniently parsed, the rest of the model still evaluates.
    let defs = parse_definitions_lenient(xml.as_bytes()).unwrap();
    assert_eq!(defs.compile_errors().len(), 1);
    assert!(defs
        .evaluate_decision("d", &hornet_feel::EmptyVariables, Default::default())
        .is_ok());
}
