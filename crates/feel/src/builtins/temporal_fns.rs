//! Date and time functions: constructors (`date`, `time`, `date and time`, `duration`,
//! `years and months duration`), `now`/`today` (from the evaluation context), calendar
//! queries and `is`.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::number::Number;
use crate::temporal::{
    self, Date, DateTime, LocalDateTime, LocalTime, YearMonthDuration, ZoneSpec,
};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("date", &["from"], 1, date),
    sig("date", &["year", "month", "day"], 3, date3),
    sig("time", &["from"], 1, time),
    sig("time", &["hour", "minute", "second"], 3, time_parts),
    sig(
        "time",
        &["hour", "minute", "second", "offset"],
        4,
        time_parts,
    ),
    sig("date and time", &["from"], 1, date_and_time),
    sig("date and time", &["date", "time"], 2, date_and_time2),
    sig("date and time", &["date", "timezone"], 2, date_and_time2),
    sig("duration", &["from"], 1, duration),
    sig(
        "years and months duration",
        &["from", "to"],
        2,
        years_and_months,
    ),
    sig("now", &[], 0, now),
    sig("today", &[], 0, today),
    sig("day of week", &["date"], 1, day_of_week),
    sig("day of year", &["date"], 1, day_of_year),
    sig("week of year", &["date"], 1, week_of_year),
    sig("month of year", &["date"], 1, month_of_year),
    sig("last day of month", &["date"], 1, last_day_of_month),
    sig("is", &["value1", "value2"], 2, is),
];

type R = Result<Value, EvalErrorKind>;

fn date(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::String(s)] => temporal::parse_date(&s).map_or(Value::Null, Value::Date),
        [Value::Date(d)] => Value::Date(d),
        [Value::LocalDateTime(dt)] => Value::Date(dt.date()),
        [Value::DateTime(dt)] => Value::Date(dt.local().date()),
        _ => Value::Null,
    })
}

fn int(n: &Number) -> Option<i64> {
    n.to_i64()
}

fn date3(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<3>(a) {
        [Value::Number(y), Value::Number(m), Value::Number(d)] => {
            (|| Date::new(int(&y)?, int(&m)?, int(&d)?))().map_or(Value::Null, Value::Date)
        }
        _ => Value::Null,
    })
}

fn time(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::String(s)] => temporal::parse_time(&s).unwrap_or(Value::Null),
        [Value::LocalTime(t)] => Value::LocalTime(t),
        [Value::Time(t)] => Value::Time(t),
        [Value::LocalDateTime(dt)] => Value::LocalTime(dt.time()),
        [Value::DateTime(dt)] => Value::Time(dt.time()),
        // feel-scala: the time of a date is midnight UTC.
        [Value::Date(_)] => temporal::parse_time("00:00:00Z").unwrap_or(Value::Null),
        _ => Value::Null,
    })
}

fn time_parts(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [hour, minute, second, offset] = args::<4>(a);
    let (Value::Number(h), Value::Number(m), Value::Number(s)) = (hour, minute, second) else {
        return Ok(Value::Null);
    };
    let local = (|| {
        let whole = s.trunc_i64()?;
        let fraction = s.checked_sub(&Number::from(whole))?;
        let nanos = fraction
            .checked_mul(&Number::from(1_000_000_000))?
            .trunc_i64()?;
        LocalTime::new(int(&h)?, int(&m)?, whole, nanos)
    })();
    let Some(local) = local else {
        return Ok(Value::Null);
    };
    Ok(match offset {
        Value::Null => Value::LocalTime(local),
        Value::DayTimeDuration(d) => {
            let secs = d.nanos() / 1_000_000_000;
            let text = format!("{local}{}", offset_text(secs));
            temporal::parse_time(&text).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    })
}

fn offset_text(secs: i128) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!(
        "{sign}{:02}:{:02}:{:02}",
        abs / 3600,
        (abs / 60) % 60,
        abs % 60
    )
}

fn date_and_time(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::String(s)] => temporal::parse_date_time(&s).unwrap_or(Value::Null),
        [Value::DateTime(dt)] => Value::DateTime(dt),
        [Value::LocalDateTime(dt)] => Value::LocalDateTime(dt),
        _ => Value::Null,
    })
}

fn date_and_time2(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [first, second] = args::<2>(a);
    let date = match &first {
        Value::Date(d) => Some(*d),
        Value::LocalDateTime(dt) => Some(dt.date()),
        Value::DateTime(dt) => Some(dt.local().date()),
        _ => None,
    };
    Ok(match (&first, second) {
        (_, Value::LocalTime(t)) => match date {
            Some(d) => Value::LocalDateTime(LocalDateTime::new(d, t)),
            None => Value::Null,
        },
        (_, Value::Time(t)) => {
            let Some(d) = date else {
                return Ok(Value::Null);
            };
            let zone = match t.zone_id() {
                Some(id) => ZoneSpec::Id(id.to_string()),
                None => ZoneSpec::Offset(t.offset_seconds()),
            };
            DateTime::from_local(LocalDateTime::new(d, t.time()), &zone)
                .map_or(Value::Null, Value::DateTime)
        }
        (Value::LocalDateTime(dt), Value::String(zone)) => ZoneSpec::parse(&zone)
            .and_then(|z| DateTime::from_local(*dt, &z))
            .map_or(Value::Null, Value::DateTime),
        (Value::DateTime(dt), Value::String(zone)) => ZoneSpec::parse(&zone)
            .and_then(|z| DateTime::at_instant(dt.epoch_nanos(), &z))
            .map_or(Value::Null, Value::DateTime),
        _ => Value::Null,
    })
}

fn duration(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::String(s)] => temporal::parse_duration(&s).unwrap_or(Value::Null),
        [d @ (Value::DayTimeDuration(_) | Value::YearMonthDuration(_))] => d,
        _ => Value::Null,
    })
}

fn date_of(v: &Value) -> Option<Date> {
    match v {
        Value::Date(d) => Some(*d),
        Value::LocalDateTime(dt) => Some(dt.date()),
        Value::DateTime(dt) => Some(dt.local().date()),
        _ => None,
    }
}

fn years_and_months(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [from, to] = args::<2>(a);
    Ok(match (date_of(&from), date_of(&to)) {
        (Some(from), Some(to)) => Value::YearMonthDuration(YearMonthDuration::between(from, to)),
        _ => Value::Null,
    })
}

fn now(_: Vec<Value>, e: &mut Evaluator) -> R {
    Ok(DateTime::from_epoch_millis(e.ctx.now_millis).map_or(Value::Null, Value::DateTime))
}

fn today(_: Vec<Value>, e: &mut Evaluator) -> R {
    Ok(DateTime::from_epoch_millis(e.ctx.now_millis)
        .map_or(Value::Null, |dt| Value::Date(dt.local().date())))
}

fn with_date(a: Vec<Value>, f: impl FnOnce(Date) -> Value) -> R {
    let [v] = args::<1>(a);
    Ok(date_of(&v).map_or(Value::Null, f))
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn day_of_week(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_date(a, |d| {
        Value::string(WEEKDAYS[usize::from(d.weekday() - 1) % 7])
    })
}

fn day_of_year(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_date(a, |d| Value::Number(Number::from(d.day_of_year())))
}

fn week_of_year(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_date(a, |d| Value::Number(Number::from(d.iso_week())))
}

fn month_of_year(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_date(a, |d| {
        Value::string(MONTHS[usize::from(d.month() - 1) % 12])
    })
}

fn last_day_of_month(a: Vec<Value>, _: &mut Evaluator) -> R {
    with_date(a, |d| Value::Number(Number::from(d.last_day_of_month())))
}

/// Same type and same value; unlike `=`, a date is never the same as a date-time, and
/// date-times must agree on their offset/zone too.
fn is(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [x, y] = args::<2>(a);
    let same_kind = std::mem::discriminant(&x) == std::mem::discriminant(&y);
    Ok(Value::Bool(
        same_kind
            && match (&x, &y) {
                (Value::DateTime(p), Value::DateTime(q)) => p == q,
                (Value::Time(p), Value::Time(q)) => p == q,
                _ => crate::ops::equals(&x, &y) == Some(true),
            },
    ))
}
