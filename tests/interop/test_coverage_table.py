"""docs/bpmn-coverage.md names the tests that show each BPMN element working (or rejected); this
checks, without a broker, that the table can be trusted:

* every row says `yes` or `no`, and its "Shown by" cell holds only `path::function` references;
* every reference names a file under `crates/*/tests/` or `tests/interop/` that defines that test
  (a `#[test]` function in Rust, a `test_*` function in Python);
* every `yes` row names at least one test that runs and is expected to pass: not `#[ignore]`d, not
  skipped, not an expected failure (`xfail`);
* each position the coverage is organised by has its section.

The checker's own failure modes are tested below on small tables.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import REPO_ROOT

TABLE = REPO_ROOT / "docs" / "bpmn-coverage.md"
HEADER = ["Element", "Supported", "Shown by", "Notes"]
REQUIRED_SECTIONS = [
    "Start events",
    "Event sub-process start events",
    "Intermediate catch events",
    "Intermediate throw events",
    "Boundary events, interrupting",
    "Boundary events, non-interrupting",
    "End events",
    "Tasks",
    "Gateways",
    "Sub-processes and call activities",
    "Multi-instance",
]
REFERENCE = re.compile(r"`(?P<path>[^`:]+\.(?:rs|py))::(?P<function>[A-Za-z_][A-Za-z0-9_]*)`")
SHOWN_BY = re.compile(r"(?:`[^`]+`(?:, `[^`]+`)*)?")
TEST_DIRS = (re.compile(r"crates/[a-z0-9_-]+/tests/.+\.rs"), re.compile(r"tests/interop/test_[a-z0-9_]+\.py"))


@dataclass
class Row:
    section: str
    line: int
    element: str
    supported: str
    shown_by: str


def split_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_rows(markdown: str) -> tuple[list[Row], list[str], list[str]]:
    """(rows, section titles, problems with the table's shape)."""
    rows: list[Row] = []
    sections: list[str] = []
    problems: list[str] = []
    section = ""
    in_table = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("## "):
            section = line[3:].strip()
            sections.append(section)
            in_table = False
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        cells = split_cells(line)
        if not in_table:
            if cells != HEADER:
                problems.append(f"line {number}: a table must start with the header {HEADER}, not {cells}")
            in_table = True
            continue
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
            continue
        if len(cells) != len(HEADER):
            problems.append(f"line {number}: expected {len(HEADER)} cells, found {len(cells)}")
            continue
        rows.append(Row(section, number, cells[0], cells[1], cells[2]))
    return rows, sections, problems


def rust_test_state(path: Path, function: str) -> str | None:
    """'runs', 'ignored', or None if the file has no #[test] fn of that name."""
    text = path.read_text()
    match = re.search(rf"^[ \t]*(?:pub\s+)?(?:async\s+)?fn\s+{re.escape(function)}\s*\(", text, re.MULTILINE)
    if match is None:
        return None
    # The attributes directly above the fn (each on its own line).
    attributes: list[str] = []
    for previous in reversed(text[: match.start()].splitlines()):
        stripped = previous.strip()
        if stripped.startswith("#[") or stripped.startswith("///"):
            attributes.append(stripped)
        else:
            break
    if not any(re.match(r"#\[(?:tokio::)?test\b", a) for a in attributes):
        return None
    return "ignored" if any(a.startswith("#[ignore") for a in attributes) else "runs"


def _is_mark(node: ast.expr, names: tuple[str, ...]) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr in names and ast.unparse(target.value) == "pytest.mark"


def python_test_state(path: Path, function: str) -> str | None:
    """'runs', 'expected failure', 'skipped', or None if there is no such test function."""
    if not function.startswith("test_"):
        return None
    module = ast.parse(path.read_text())
    # Marks bound to a module-level name (e.g. `OUTPUT_ELEMENT_STAYS_LOCAL = pytest.mark.xfail(...)`).
    bound: dict[str, ast.expr] = {}
    for statement in module.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    bound[target.id] = statement.value
    for statement in module.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == function:
            state = "runs"
            for decorator in statement.decorator_list:
                mark = bound.get(decorator.id, decorator) if isinstance(decorator, ast.Name) else decorator
                if _is_mark(mark, ("xfail",)):
                    state = "expected failure"
                elif _is_mark(mark, ("skip", "skipif")):
                    state = "skipped"
            return state
    return None


def problems_in(markdown: str, repo_root: Path) -> list[str]:
    rows, sections, problems = parse_rows(markdown)
    missing = [s for s in REQUIRED_SECTIONS if s not in sections]
    if missing:
        problems.append(f"sections missing: {missing}")
    if not rows:
        problems.append("no table rows found")
    for row in rows:
        where = f"line {row.line} ({row.section} / {row.element})"
        if row.supported not in ("yes", "no"):
            problems.append(f"{where}: Supported must be 'yes' or 'no', not {row.supported!r}")
        if not SHOWN_BY.fullmatch(row.shown_by):
            problems.append(f"{where}: 'Shown by' must be backticked references separated by ', ': {row.shown_by!r}")
        quoted = re.findall(r"`[^`]+`", row.shown_by)
        references = [REFERENCE.fullmatch(q) for q in quoted]
        for text, reference in zip(quoted, references, strict=True):
            if reference is None:
                problems.append(f"{where}: {text} is not a `path::function` reference")
        live = 0
        for reference in filter(None, references):
            path_text, function = reference["path"], reference["function"]
            if not any(pattern.fullmatch(path_text) for pattern in TEST_DIRS):
                problems.append(
                    f"{where}: {path_text} is not a test file (crates/*/tests/*.rs or tests/interop/test_*.py)"
                )
                continue
            path = repo_root / path_text
            if not path.is_file():
                problems.append(f"{where}: {path_text} does not exist")
                continue
            state = rust_test_state(path, function) if path.suffix == ".rs" else python_test_state(path, function)
            if state is None:
                problems.append(f"{where}: {path_text} has no test function {function}")
            elif state == "runs":
                live += 1
        if row.supported == "yes" and live == 0:
            problems.append(f"{where}: says 'yes' but names no test that runs and is expected to pass")
    return problems


# --- the real table ------------------------------------------------------------------------------------


def test_the_coverage_table_names_existing_tests_for_everything_it_supports() -> None:
    problems = problems_in(TABLE.read_text(), REPO_ROOT)
    assert problems == [], "docs/bpmn-coverage.md:\n" + "\n".join(problems)
    rows, _, _ = parse_rows(TABLE.read_text())
    assert len(rows) >= 50, f"only {len(rows)} rows parsed; has the table's layout changed?"
    assert {row.supported for row in rows} == {"yes", "no"}


# --- the checker itself ---------------------------------------------------------------------------------


def table(*rows: str) -> str:
    head = "| Element | Supported | Shown by | Notes |\n| --- | --- | --- | --- |"
    sections = "\n\n".join(f"## {s}\n\n{head}" for s in REQUIRED_SECTIONS)
    return sections + "\n" + "\n".join(rows) + "\n"


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    rust = tmp_path / "crates" / "engine" / "tests"
    rust.mkdir(parents=True)
    (rust / "demo.rs").write_text(
        "#[test]\nfn runs() {}\n\n#[test]\n#[ignore]\nfn ignored() {}\n\nfn helper() {}\n"
    )
    interop = tmp_path / "tests" / "interop"
    interop.mkdir(parents=True)
    (interop / "test_demo.py").write_text(
        "import pytest\n"
        "KNOWN_BUG = pytest.mark.xfail(strict=True, reason='bug')\n\n"
        "def test_runs():\n    pass\n\n"
        "@KNOWN_BUG\ndef test_bound_xfail():\n    pass\n\n"
        "@pytest.mark.xfail(strict=True, reason='bug')\ndef test_xfail():\n    pass\n\n"
        "def helper():\n    pass\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("row", "complaint"),
    [
        ("| A | yes | | |", "names no test"),
        ("| A | maybe | `crates/engine/tests/demo.rs::runs` | |", "must be 'yes' or 'no'"),
        ("| A | yes | `crates/engine/tests/demo.rs::missing` | |", "has no test function missing"),
        ("| A | yes | `crates/engine/tests/demo.rs::helper` | |", "has no test function helper"),
        ("| A | yes | `crates/engine/tests/demo.rs::ignored` | |", "names no test"),
        ("| A | yes | `crates/engine/tests/gone.rs::runs` | |", "does not exist"),
        ("| A | yes | `crates/engine/src/lib.rs::runs` | |", "is not a test file"),
        ("| A | yes | `tests/interop/test_demo.py::test_xfail` | |", "names no test"),
        ("| A | yes | `tests/interop/test_demo.py::test_bound_xfail` | |", "names no test"),
        ("| A | yes | `tests/interop/test_demo.py::helper` | |", "has no test function helper"),
        ("| A | yes | tests/interop/test_demo.py::test_runs | |", "must be backticked references"),
        ("| A | yes | `test_demo.py` | |", "is not a `path::function` reference"),
        ("| A | yes | `tests/interop/test_demo.py::test_runs` |", "expected 4 cells"),
    ],
)
def test_the_checker_reports_bad_rows(fake_repo: Path, row: str, complaint: str) -> None:
    problems = problems_in(table(row), fake_repo)
    assert any(complaint in p for p in problems), problems


@pytest.mark.parametrize(
    "row",
    [
        "| A | yes | `crates/engine/tests/demo.rs::runs` | |",
        "| A | yes | `tests/interop/test_demo.py::test_runs`, `tests/interop/test_demo.py::test_xfail` | |",
        "| A | no | | rejected |",
        "| A | no | `tests/interop/test_demo.py::test_bound_xfail` | expected failure |",
    ],
)
def test_the_checker_accepts_good_rows(fake_repo: Path, row: str) -> None:
    assert problems_in(table(row), fake_repo) == []


def test_the_checker_wants_every_section(fake_repo: Path) -> None:
    text = table("| A | yes | `crates/engine/tests/demo.rs::runs` | |").replace("## Gateways", "## Gates")
    assert any("sections missing: ['Gateways']" in p for p in problems_in(text, fake_repo))
