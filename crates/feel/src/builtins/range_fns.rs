//! Range relation functions of DMN 1.5 (`before`, `after`, `meets`, `overlaps`, `includes`,
//! ...), defined on points and ranges as in the specification's table. An unbounded end acts
//! as minus/plus infinity; incomparable arguments give null.

use super::{args, sig, Builtin};
use crate::ast::{Args as CallArgs, Expr, ExprKind};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::ops;
use crate::value::{Range, RangeBound, Value};
use std::cmp::Ordering;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("range", &["from"], 1, range),
    sig("before", &["point1", "point2"], 2, before),
    sig("before", &["point", "range"], 2, before),
    sig("before", &["range", "point"], 2, before),
    sig("before", &["range1", "range2"], 2, before),
    sig("after", &["point1", "point2"], 2, after),
    sig("after", &["point", "range"], 2, after),
    sig("after", &["range", "point"], 2, after),
    sig("after", &["range1", "range2"], 2, after),
    sig("meets", &["range1", "range2"], 2, meets),
    sig("met by", &["range1", "range2"], 2, met_by),
    sig("overlaps", &["range1", "range2"], 2, overlaps),
    sig("overlaps before", &["range1", "range2"], 2, overlaps_before),
    sig("overlaps after", &["range1", "range2"], 2, overlaps_after),
    sig("finishes", &["point", "range"], 2, finishes),
    sig("finishes", &["range1", "range2"], 2, finishes),
    sig("finished by", &["range", "point"], 2, finished_by),
    sig("finished by", &["range1", "range2"], 2, finished_by),
    sig("includes", &["range", "point"], 2, includes),
    sig("includes", &["range1", "range2"], 2, includes),
    sig("during", &["point", "range"], 2, during),
    sig("during", &["range1", "range2"], 2, during),
    sig("starts", &["point", "range"], 2, starts),
    sig("starts", &["range1", "range2"], 2, starts),
    sig("started by", &["range", "point"], 2, started_by),
    sig("started by", &["range1", "range2"], 2, started_by),
    sig("coincides", &["point1", "point2"], 2, coincides),
    sig("coincides", &["range1", "range2"], 2, coincides),
];

type R = Result<Value, EvalErrorKind>;

/// DMN 1.5 `range(from)`: a range literal given as a string, e.g. `"[1..10)"` or
/// `"[date(\"2020-01-01\")..@\"2020-12-31\"]"`. End points must be literals (numbers,
/// strings, temporal literals or temporal constructors of a string); anything else is null.
fn range(a: Vec<Value>, e: &mut Evaluator) -> R {
    let [Value::String(text)] = args::<1>(a) else {
        return Ok(Value::Null);
    };
    let Ok(expr) = crate::parser::parse_expression(text.trim()) else {
        return Ok(Value::Null);
    };
    let literal_ends = match &expr.kind {
        ExprKind::Range { start, end, .. } => is_literal(start) && is_literal(end),
        ExprKind::UnaryRange(_, bound) => is_literal(bound),
        _ => false,
    };
    if !literal_ends {
        return Ok(Value::Null);
    }
    let node = crate::compile::Compiler::new().expr(&expr);
    let value = e.eval(&node)?;
    // A descending range or one without any end point is not a valid range.
    Ok(match value {
        Value::Range(r) => match (r.start.value(), r.end.value()) {
            (Some(Value::Null) | None, Some(Value::Null) | None) => Value::Null,
            (Some(s), Some(e)) if ops::compare(s, e) == Some(Ordering::Greater) => Value::Null,
            _ => Value::Range(r),
        },
        _ => Value::Null,
    })
}

/// A literal end point of a range string.
fn is_literal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Null
        | ExprKind::Number(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Temporal(_) => true,
        ExprKind::Neg(inner) => matches!(inner.kind, ExprKind::Number(_)),
        ExprKind::Call(callee, CallArgs::Positional(args)) => {
            matches!(
                &callee.kind,
                ExprKind::Name(n) if matches!(n.as_str(), "date" | "time" | "date and time" | "duration")
            ) && args.len() == 1
                && matches!(args[0].kind, ExprKind::Str(_))
        }
        _ => false,
    }
}

/// A range end point on the extended line.
#[derive(Clone, Copy)]
enum End<'a> {
    NegInf,
    At(&'a Value),
    PosInf,
}

/// A range or a point viewed as its start and end with inclusion flags.
struct Span<'a> {
    start: End<'a>,
    start_incl: bool,
    end: End<'a>,
    end_incl: bool,
}

impl<'a> Span<'a> {
    fn of_range(r: &'a Range) -> Span<'a> {
        let (start, start_incl) = match &r.start {
            RangeBound::Unbounded => (End::NegInf, false),
            RangeBound::Closed(v) => (End::At(v), true),
            RangeBound::Open(v) => (End::At(v), false),
        };
        let (end, end_incl) = match &r.end {
            RangeBound::Unbounded => (End::PosInf, false),
            RangeBound::Closed(v) => (End::At(v), true),
            RangeBound::Open(v) => (End::At(v), false),
        };
        Span {
            start,
            start_incl,
            end,
            end_incl,
        }
    }
}

/// Compares two end points; `None` if the values are not comparable.
fn cmp(a: End, b: End) -> Option<Ordering> {
    Some(match (a, b) {
        (End::NegInf, End::NegInf) | (End::PosInf, End::PosInf) => Ordering::Equal,
        (End::NegInf, _) | (_, End::PosInf) => Ordering::Less,
        (_, End::NegInf) | (End::PosInf, _) => Ordering::Greater,
        (End::At(x), End::At(y)) => ops::compare(x, y)?,
    })
}

/// Evaluates a relation whose comparisons may fail, mapping failure to null.
fn relation(f: impl FnOnce() -> Option<bool>) -> Value {
    f().map_or(Value::Null, Value::Bool)
}

fn lt(a: End, b: End) -> Option<bool> {
    Some(cmp(a, b)? == Ordering::Less)
}

fn gt(a: End, b: End) -> Option<bool> {
    Some(cmp(a, b)? == Ordering::Greater)
}

fn eq(a: End, b: End) -> Option<bool> {
    Some(cmp(a, b)? == Ordering::Equal)
}

enum Args<'a> {
    Points(&'a Value, &'a Value),
    PointRange(&'a Value, Span<'a>),
    RangePoint(Span<'a>, &'a Value),
    Ranges(Span<'a>, Span<'a>),
}

fn classify<'a>(a: &'a Value, b: &'a Value) -> Option<Args<'a>> {
    Some(match (a, b) {
        (Value::Null, _) | (_, Value::Null) => return None,
        (Value::Range(x), Value::Range(y)) => Args::Ranges(Span::of_range(x), Span::of_range(y)),
        (Value::Range(x), p) => Args::RangePoint(Span::of_range(x), p),
        (p, Value::Range(y)) => Args::PointRange(p, Span::of_range(y)),
        (p, q) => Args::Points(p, q),
    })
}

fn with_args(a: Vec<Value>, f: impl FnOnce(Args) -> Option<bool>) -> R {
    let [x, y] = args::<2>(a);
    Ok(match classify(&x, &y) {
        Some(parsed) => relation(|| f(parsed)),
        None => Value::Null,
    })
}

fn before(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Points(p, q) => lt(End::At(p), End::At(q)),
        Args::PointRange(p, r) => {
            Some(lt(End::At(p), r.start)? || (eq(End::At(p), r.start)? && !r.start_incl))
        }
        Args::RangePoint(r, p) => {
            Some(lt(r.end, End::At(p))? || (eq(r.end, End::At(p))? && !r.end_incl))
        }
        Args::Ranges(r1, r2) => Some(
            lt(r1.end, r2.start)? || ((!r1.end_incl || !r2.start_incl) && eq(r1.end, r2.start)?),
        ),
    })
}

fn after(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Points(p, q) => gt(End::At(p), End::At(q)),
        Args::PointRange(p, r) => {
            Some(gt(End::At(p), r.end)? || (eq(End::At(p), r.end)? && !r.end_incl))
        }
        Args::RangePoint(r, p) => {
            Some(gt(r.start, End::At(p))? || (eq(r.start, End::At(p))? && !r.start_incl))
        }
        Args::Ranges(r1, r2) => Some(
            gt(r1.start, r2.end)? || ((!r1.start_incl || !r2.end_incl) && eq(r1.start, r2.end)?),
        ),
    })
}

fn meets(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Ranges(r1, r2) => Some(r1.end_incl && r2.start_incl && eq(r1.end, r2.start)?),
        _ => None,
    })
}

fn met_by(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Ranges(r1, r2) => Some(r1.start_incl && r2.end_incl && eq(r1.start, r2.end)?),
        _ => None,
    })
}

fn overlaps(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Ranges(r1, r2) => Some(
            (gt(r1.end, r2.start)? || (eq(r1.end, r2.start)? && r1.end_incl && r2.start_incl))
                && (lt(r1.start, r2.end)?
                    || (eq(r1.start, r2.end)? && r1.start_incl && r2.end_incl)),
        ),
        _ => None,
    })
}

fn overlaps_before_spans(r1: &Span, r2: &Span) -> Option<bool> {
    Some(
        (lt(r1.start, r2.start)? || (eq(r1.start, r2.start)? && r1.start_incl && !r2.start_incl))
            && (gt(r1.end, r2.start)? || (eq(r1.end, r2.start)? && r1.end_incl && r2.start_incl))
            && (lt(r1.end, r2.end)? || (eq(r1.end, r2.end)? && (!r1.end_incl || r2.end_incl))),
    )
}

fn overlaps_before(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Ranges(r1, r2) => overlaps_before_spans(&r1, &r2),
        _ => None,
    })
}

fn overlaps_after(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Ranges(r1, r2) => overlaps_before_spans(&r2, &r1),
        _ => None,
    })
}

fn finishes(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::PointRange(p, r) => Some(r.end_incl && eq(r.end, End::At(p))?),
        Args::Ranges(r1, r2) => Some(
            r1.end_incl == r2.end_incl
                && eq(r1.end, r2.end)?
                && (gt(r1.start, r2.start)?
                    || (eq(r1.start, r2.start)? && (!r1.start_incl || r2.start_incl))),
        ),
        _ => None,
    })
}

fn finished_by(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::RangePoint(r, p) => Some(r.end_incl && eq(r.end, End::At(p))?),
        Args::Ranges(r1, r2) => Some(
            r1.end_incl == r2.end_incl
                && eq(r1.end, r2.end)?
                && (lt(r1.start, r2.start)?
                    || (eq(r1.start, r2.start)? && (r1.start_incl || !r2.start_incl))),
        ),
        _ => None,
    })
}

fn point_inside(r: &Span, p: &Value) -> Option<bool> {
    let p = End::At(p);
    Some(
        (lt(r.start, p)? && gt(r.end, p)?)
            || (eq(r.start, p)? && r.start_incl)
            || (eq(r.end, p)? && r.end_incl),
    )
}

fn range_inside(outer: &Span, inner: &Span) -> Option<bool> {
    Some(
        (lt(outer.start, inner.start)?
            || (eq(outer.start, inner.start)? && (outer.start_incl || !inner.start_incl)))
            && (gt(outer.end, inner.end)?
                || (eq(outer.end, inner.end)? && (outer.end_incl || !inner.end_incl))),
    )
}

fn includes(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::RangePoint(r, p) => point_inside(&r, p),
        Args::Ranges(r1, r2) => range_inside(&r1, &r2),
        _ => None,
    })
}

fn during(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::PointRange(p, r) => point_inside(&r, p),
        Args::Ranges(r1, r2) => range_inside(&r2, &r1),
        _ => None,
    })
}

fn starts(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::PointRange(p, r) => Some(r.start_incl && eq(r.start, End::At(p))?),
        Args::Ranges(r1, r2) => Some(
            eq(r1.start, r2.start)?
                && r1.start_incl == r2.start_incl
                && (gt(r2.end, r1.end)? || (eq(r2.end, r1.end)? && (!r1.end_incl || r2.end_incl))),
        ),
        _ => None,
    })
}

fn started_by(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::RangePoint(r, p) => Some(r.start_incl && eq(r.start, End::At(p))?),
        Args::Ranges(r1, r2) => Some(
            eq(r1.start, r2.start)?
                && r1.start_incl == r2.start_incl
                && (lt(r2.end, r1.end)? || (eq(r2.end, r1.end)? && (!r2.end_incl || r1.end_incl))),
        ),
        _ => None,
    })
}

fn coincides(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_args(a, |args| match args {
        Args::Points(p, q) => eq(End::At(p), End::At(q)),
        Args::Ranges(r1, r2) => Some(
            eq(r1.start, r2.start)?
                && r1.start_incl == r2.start_incl
                && eq(r1.end, r2.end)?
                && r1.end_incl == r2.end_incl,
        ),
        _ => None,
    })
}
