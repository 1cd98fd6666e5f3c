//! Runs the DMN TCK (compliance levels 2 and 3) when its test cases are present and fails if
//! fewer result nodes pass than the recorded floor, so that regressions show up.
//!
//! The location is `$HORNET_DMN_TCK`, else `../shared/dmn-tck/TestCases` beside the workspace.

use std::path::PathBuf;

/// Result nodes passing when this floor was last raised (see docs/dmn-tck.md).
const PASS_FLOOR: usize = 3414;

fn tck_dir() -> PathBuf {
    match std::env::var_os("HORNET_DMN_TCK") {
        Some(p) => PathBuf::from(p),
        // Read at run time: a test binary may be reused from a checkout at another path (shared target dir).
        None => PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("../../../shared/dmn-tck/TestCases"),
    }
}

#[test]
fn tck_pass_count_does_not_regress() {
    let dir = tck_dir();
    if !dir.join("compliance-level-3").is_dir() {
        println!(
            "skipping the DMN TCK: {} not found (set HORNET_DMN_TCK)",
            dir.display()
        );
        return;
    }
    let report = hornet_dmn::tck::run(&dir).expect("the TCK directory is readable");
    for level in hornet_dmn::tck::LEVELS {
        let (p, f, s) = report.level(level);
        println!("{level}: {p} passed, {f} failed, {s} skipped");
    }
    println!("{}", report.summary());
    assert!(
        report.passed() >= PASS_FLOOR,
        "DMN TCK regression: {} result nodes pass, the floor is {PASS_FLOOR}",
        report.passed()
    );
}
