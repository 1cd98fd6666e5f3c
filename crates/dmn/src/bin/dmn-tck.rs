//! DMN TCK runner: `dmn-tck [--verbose] [TestCases path]`.
//!
//! The path defaults to `$HORNET_DMN_TCK`, else `../shared/dmn-tck/TestCases` relative to the
//! workspace root. Prints `folder: passed/failed/skipped` per test case folder and a final
//! summary line. Failing nodes do not change the exit code; only a runner that cannot run
//! (missing directory) exits non-zero.

use std::path::PathBuf;
use std::process::ExitCode;

fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("HORNET_DMN_TCK") {
        return PathBuf::from(p);
    }
    // crates/dmn -> workspace root -> ../shared
    // `cargo run` sets CARGO_MANIFEST_DIR at run time too; prefer it to the path the binary was built at.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    PathBuf::from(manifest_dir).join("../../../shared/dmn-tck/TestCases")
}

fn main() -> ExitCode {
    let mut verbose = false;
    let mut path = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--help" | "-h" => {
                println!("usage: dmn-tck [--verbose] [TestCases directory]");
                return ExitCode::SUCCESS;
            }
            other => path = Some(PathBuf::from(other)),
        }
    }
    let path = path.unwrap_or_else(default_path);
    let report = match hornet_dmn::tck::run(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dmn-tck: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    for folder in &report.folders {
        println!(
            "{}/{}: {}/{}/{}",
            folder.level, folder.folder, folder.passed, folder.failed, folder.skipped
        );
        if verbose {
            for f in &folder.failures {
                println!(
                    "    {} case {} node {}: expected {} but was {}",
                    f.test_file, f.case_id, f.node, f.expected, f.actual
                );
            }
        }
    }
    for level in hornet_dmn::tck::LEVELS {
        let (p, f, s) = report.level(level);
        println!("{level}: {p} passed, {f} failed, {s} skipped");
    }
    println!("{}", report.summary());
    ExitCode::SUCCESS
}
