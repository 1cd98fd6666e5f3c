//! Truncated and garbled versions of the fixtures never panic: they parse or yield errors.

use hornet_bpmn::{parse_definitions, BpmnError};

const FIXTURES: [&str; 5] = [
    "order-process.bpmn",
    "message-timer-boundary.bpmn",
    "multi-instance.bpmn",
    "event-subprocess.bpmn",
    "call-activity.bpmn",
];

fn fixture(name: &str) -> Vec<u8> {
    // Read at run time: a test binary may be reused from a checkout at another path (shared target dir).
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = format!("{dir}/tests/fixtures/{name}");
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Parses `xml`; an error must describe itself (and a validation error must list problems).
fn check(xml: &[u8]) {
    match parse_definitions(xml) {
        Ok(processes) => {
            for process in &processes {
                for (idx, element) in process.elements() {
                    assert_eq!(process.element(idx).id, element.id);
                }
            }
        }
        Err(BpmnError::Invalid(errors)) => assert!(!errors.0.is_empty()),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

#[test]
fn truncated_fixtures_do_not_panic() {
    for name in FIXTURES {
        let xml = fixture(name);
        let step = (xml.len() / 400).max(1);
        for end in (0..xml.len()).step_by(step) {
            let truncated = &xml[..end];
            let result = parse_definitions(truncated);
            if end < xml.len() / 2 {
                assert!(
                    result.is_err(),
                    "{name} truncated at {end} should not parse"
                );
            }
        }
    }
}

#[test]
fn garbled_fixtures_do_not_panic() {
    // Seeded, so failures are reproducible.
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    const NOISE: &[&[u8]] = &[
        b"<",
        b">",
        b"/>",
        b"&",
        b"&#0;",
        b"&#x110000;",
        b"&bogus;",
        b"\"",
        b"'",
        b"=",
        b"]]>",
        b"<![CDATA[",
        b"<!--",
        b"\xff",
        b"\xc3",
        b"xmlns:bpmn=\"urn:x\"",
        b"id=\"Flow_1\"",
        b"<bpmn:subProcess>",
        b"</bpmn:process>",
        b"=(",
        b"=a +",
        b"\0",
    ];
    for name in FIXTURES {
        let original = fixture(name);
        for _ in 0..300 {
            let mut xml = original.clone();
            for _ in 0..=rng.usize(..4) {
                let at = rng.usize(..xml.len());
                match rng.usize(..4) {
                    0 => xml[at] = rng.u8(..),
                    1 => {
                        let len = rng.usize(..64).min(xml.len() - at);
                        xml.drain(at..at + len);
                    }
                    2 => {
                        let noise = NOISE[rng.usize(..NOISE.len())];
                        xml.splice(at..at, noise.iter().copied());
                    }
                    _ => {
                        // Duplicate a random slice elsewhere (repeated ids, nested elements).
                        let from = rng.usize(..xml.len());
                        let len = rng.usize(..200).min(xml.len() - from);
                        let slice = xml[from..from + len].to_vec();
                        xml.splice(at..at, slice);
                    }
                }
                if xml.is_empty() {
                    break;
                }
            }
            check(&xml);
        }
    }
}

#[test]
fn attribute_values_replaced_with_garbage_do_not_panic() {
    let garbage = [
        "",
        " ",
        "=",
        "= ",
        "=)",
        "=\"unterminated",
        "-1",
        "99999999999999999999",
        "true false",
        "a.b.",
        ".a",
        "Flow_1",
        "OrderReceived",
    ];
    for name in FIXTURES {
        let original = String::from_utf8(fixture(name)).unwrap();
        let values: Vec<(usize, usize)> = original
            .match_indices("=\"")
            .filter_map(|(start, _)| {
                let value_start = start + 2;
                let len = original[value_start..].find('"')?;
                Some((value_start, value_start + len))
            })
            .collect();
        for (i, &(start, end)) in values.iter().enumerate() {
            let replacement = garbage[i % garbage.len()];
            let xml = format!("{}{}{}", &original[..start], replacement, &original[end..]);
            check(xml.as_bytes());
        }
    }
}

/// Large resources stay linear: a long valid chain and a resource full of errors.
#[test]
fn large_resources_parse_in_linear_time() {
    const N: usize = 2_000;
    let mut body = String::from(
        r#"<startEvent id="s" /><sequenceFlow id="f0" sourceRef="s" targetRef="t0" />"#,
    );
    for i in 0..N {
        body.push_str(&format!(
            r#"<serviceTask id="t{i}"><extensionElements><zeebe:taskDefinition type="work" /><zeebe:ioMapping><zeebe:input source="=x + {i}" target="v{i}" /></zeebe:ioMapping></extensionElements></serviceTask>
<boundaryEvent id="b{i}" attachedToRef="t{i}"><compensateEventDefinition /></boundaryEvent>
<task id="h{i}" isForCompensation="true" /><association id="a{i}" sourceRef="b{i}" targetRef="h{i}" />
<sequenceFlow id="f{}" sourceRef="t{i}" targetRef="t{}" />"#,
            i + 1,
            i + 1
        ));
    }
    body.push_str(&format!(r#"<endEvent id="t{N}" />"#));
    let xml = format!(
        r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d"><process id="p" isExecutable="true">{body}</process></definitions>"#
    );
    let processes = parse_definitions(xml.as_bytes()).expect("valid");
    // The process, start event, first flow, 4 elements per step and the end event.
    assert_eq!(processes[0].len(), 4 * N + 4);

    // Every task invalid and every id duplicated: all errors are still listed, once each.
    let invalid = xml
        .replace("</process>", &format!("{body}</process>"))
        .replace(r#"<zeebe:taskDefinition type="work" />"#, "");
    let error = parse_definitions(invalid.as_bytes()).unwrap_err();
    let missing = error
        .problems()
        .iter()
        .filter(|p| p.message.contains("zeebe:taskDefinition"))
        .count();
    assert_eq!(missing, 2 * N);
}
