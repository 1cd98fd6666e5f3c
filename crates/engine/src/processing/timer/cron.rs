//! Cron timer cycles, as Zeebe 8.8 reads a `timeCycle` that does not start with `R`: a Spring 5.3 cron
//! expression (cron-utils' `SPRING53` definition), evaluated in UTC.
//!
//! Six fields, `second minute hour day-of-month month day-of-week`, each `*`, a value, a range `a-b`, a
//! step `*/n`, `a/n` or `a-b/n`, or a comma-separated list of these. Months may be named (`JAN`…`DEC`),
//! days of the week too (`SUN`…`SAT`; `0` and `7` are Sunday). `?` means "any" in the day fields. The
//! day of the month also takes `L` (last day), `L-n` (n days before it), `nW` (the weekday nearest to
//! day n, within the month) and `LW` (the last weekday); the day of the week `nL` (the last such day
//! of the month) and `n#k` (the k-th such day). When both day fields are restricted, a day must match
//! both (Spring's rule, unlike Unix cron). `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
//! `@midnight` and `@hourly` stand for their usual expressions.
//!
//! The next occurrence is computed from a given instant (the record's timestamp, never the clock), so
//! timers stay deterministic.

use std::fmt;

/// Why a cron expression was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CronError(String);

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn error(message: impl Into<String>) -> CronError {
    CronError(message.into())
}

/// A day-of-month rule beyond plain values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DaySpecial {
    /// `L` / `L-n`: the last day of the month minus `n`.
    LastMinus(u32),
    /// `nW`: the weekday nearest to day `n` without leaving the month.
    NearestWeekday(u32),
    /// `LW`: the last weekday of the month.
    LastWeekday,
}

/// A day-of-week rule beyond plain values (weekdays 0 = Sunday … 6 = Saturday).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WeekdaySpecial {
    /// `nL`: the last such weekday of the month.
    Last(u32),
    /// `n#k`: the k-th such weekday of the month.
    Nth(u32, u32),
}

/// A parsed cron expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CronExpression {
    seconds: u64,
    minutes: u64,
    hours: u64,
    /// Bit d for day d (1..=31).
    days: u64,
    day_specials: Vec<DaySpecial>,
    /// Bit m for month m (1..=12).
    months: u64,
    /// Bit w for weekday w (0 = Sunday).
    weekdays: u64,
    weekday_specials: Vec<WeekdaySpecial>,
}

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field's bounds and names.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Value of the first name.
    first_name: u32,
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
    first_name: 0,
};
const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    first_name: 0,
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    first_name: 0,
};
const DAY: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
    first_name: 0,
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTH_NAMES,
    first_name: 1,
};
const WEEKDAY: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &WEEKDAY_NAMES,
    first_name: 0,
};

impl Field {
    fn value(&self, text: &str) -> Result<u32, CronError> {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = self.names.iter().position(|name| *name == upper) {
            return Ok(self.first_name + i as u32);
        }
        let value: u32 = text
            .parse()
            .map_err(|_| error(format!("invalid {} value '{text}'", self.name)))?;
        if value < self.min || value > self.max {
            return Err(error(format!(
                "{} value {value} is out of range [{}, {}]",
                self.name, self.min, self.max
            )));
        }
        Ok(value)
    }

    /// The values of one comma-separated part: `*`, `?`, `a`, `a-b`, each optionally `/step`.
    fn part(&self, part: &str, wildcard_question_mark: bool) -> Result<u64, CronError> {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .map_err(|_| error(format!("invalid {} step '{step}'", self.name)))?;
                if step == 0 {
                    return Err(error(format!("{} step must be positive", self.name)));
                }
                (range, Some(step))
            }
            None => (part, None),
        };
        let (from, to) = if range == "*" || (wildcard_question_mark && range == "?") {
            (self.min, self.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (self.value(a)?, self.value(b)?);
            if a > b {
                return Err(error(format!(
                    "{} range {range} starts after it ends",
                    self.name
                )));
            }
            (a, b)
        } else {
            let a = self.value(range)?;
            // `a/n` runs from a to the end of the field.
            (a, if step.is_some() { self.max } else { a })
        };
        let mut bits = 0u64;
        let mut v = from;
        while v <= to {
            bits |= 1 << v;
            v += step.unwrap_or(1);
        }
        Ok(bits)
    }

    fn parse(&self, text: &str) -> Result<u64, CronError> {
        text.split(',')
            .try_fold(0u64, |bits, part| Ok(bits | self.part(part, false)?))
    }
}

fn parse_days(text: &str) -> Result<(u64, Vec<DaySpecial>), CronError> {
    let mut bits = 0u64;
    let mut specials = Vec::new();
    for part in text.split(',') {
        let upper = part.to_ascii_uppercase();
        if upper == "L" {
            specials.push(DaySpecial::LastMinus(0));
        } else if upper == "LW" {
            specials.push(DaySpecial::LastWeekday);
        } else if let Some(offset) = upper.strip_prefix("L-") {
            let offset: u32 = offset
                .parse()
                .ok()
                .filter(|n| *n <= 30)
                .ok_or_else(|| error(format!("invalid day of month offset '{part}'")))?;
            specials.push(DaySpecial::LastMinus(offset));
        } else if let Some(day) = upper.strip_suffix('W') {
            specials.push(DaySpecial::NearestWeekday(DAY.value(day)?));
        } else {
            bits |= DAY.part(part, true)?;
        }
    }
    Ok((bits, specials))
}

fn parse_weekdays(text: &str) -> Result<(u64, Vec<WeekdaySpecial>), CronError> {
    let mut bits = 0u64;
    let mut specials = Vec::new();
    let weekday = |text: &str| WEEKDAY.value(text).map(|w| w % 7);
    for part in text.split(',') {
        let upper = part.to_ascii_uppercase();
        if let Some((day, nth)) = upper.split_once('#') {
            let nth: u32 = nth
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| error(format!("invalid day of week occurrence '{part}'")))?;
            specials.push(WeekdaySpecial::Nth(weekday(day)?, nth));
        } else if let Some(day) = upper.strip_suffix('L').filter(|day| !day.is_empty()) {
            specials.push(WeekdaySpecial::Last(weekday(day)?));
        } else {
            bits |= WEEKDAY.part(part, true)?;
        }
    }
    // 7 is Sunday as well as 0.
    if bits & (1 << 7) != 0 {
        bits = (bits & !(1 << 7)) | 1;
    }
    Ok((bits, specials))
}

impl CronExpression {
    pub(crate) fn parse(text: &str) -> Result<CronExpression, CronError> {
        let text = text.trim();
        let expanded = match text.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 0 1 1 *",
            "@monthly" => "0 0 0 1 * *",
            "@weekly" => "0 0 0 * * 0",
            "@daily" | "@midnight" => "0 0 0 * * *",
            "@hourly" => "0 0 * * * *",
            _ => text,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [second, minute, hour, day, month, weekday] = fields[..] else {
            return Err(error(format!(
                "a cron expression has 6 fields (second minute hour day-of-month month day-of-week), but '{text}' has {}",
                fields.len()
            )));
        };
        let (days, day_specials) = parse_days(day)?;
        let (weekdays, weekday_specials) = parse_weekdays(weekday)?;
        Ok(CronExpression {
            seconds: SECOND.parse(second)?,
            minutes: MINUTE.parse(minute)?,
            hours: HOUR.parse(hour)?,
            days,
            day_specials,
            months: MONTH.parse(month)?,
            weekdays,
            weekday_specials,
        })
    }

    /// The first occurrence strictly after `after` (epoch millis), searching at most 400 years (a whole
    /// Gregorian cycle, so `None` means never).
    pub(crate) fn next_after(&self, after: i64) -> Option<i64> {
        let mut t = after.div_euclid(1000).checked_add(1)?;
        let limit_year = civil(t).year + 400;
        loop {
            let c = civil(t);
            if c.year > limit_year {
                return None;
            }
            if self.months & (1 << c.month) == 0 {
                let (year, month) = if c.month == 12 {
                    (c.year + 1, 1)
                } else {
                    (c.year, c.month + 1)
                };
                t = days_from_civil(year, month, 1) * 86_400;
                continue;
            }
            if !self.day_matches(c.year, c.month, c.day) {
                t = t - t.rem_euclid(86_400) + 86_400;
                continue;
            }
            if self.hours & (1 << c.hour) == 0 {
                t = t - t.rem_euclid(3_600) + 3_600;
                continue;
            }
            if self.minutes & (1 << c.minute) == 0 {
                t = t - t.rem_euclid(60) + 60;
                continue;
            }
            if self.seconds & (1 << c.second) == 0 {
                t += 1;
                continue;
            }
            return t.checked_mul(1000);
        }
    }

    fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
        let last = days_in_month(year, month);
        let weekday = weekday(year, month, day);
        let day_ok = self.days & (1 << day) != 0
            || self.day_specials.iter().any(|special| match *special {
                DaySpecial::LastMinus(n) => last.checked_sub(n) == Some(day),
                DaySpecial::NearestWeekday(n) => nearest_weekday(year, month, n) == Some(day),
                DaySpecial::LastWeekday => {
                    nearest_weekday(year, month, last) == Some(day) && (1..=5).contains(&weekday)
                }
            });
        let weekday_ok = self.weekdays & (1 << weekday) != 0
            || self.weekday_specials.iter().any(|special| match *special {
                WeekdaySpecial::Last(w) => w == weekday && day + 7 > last,
                WeekdaySpecial::Nth(w, k) => w == weekday && (day - 1) / 7 + 1 == k,
            });
        day_ok && weekday_ok
    }
}

/// The weekday nearest to day `n` of the month that stays in the month (Quartz/Spring `nW`); `None`
/// if the month has no day `n`.
fn nearest_weekday(year: i64, month: u32, n: u32) -> Option<u32> {
    let last = days_in_month(year, month);
    if n > last {
        return None;
    }
    Some(match weekday(year, month, n) {
        6 if n == 1 => 3,        // Saturday the 1st: Monday the 3rd
        6 => n - 1,              // Saturday: Friday
        0 if n == last => n - 2, // Sunday the last: Friday
        0 => n + 1,              // Sunday: Monday
        _ => n,
    })
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Months and days of a valid date fit a byte.
    hornet_feel::days_from_civil(year, month as u8, day as u8)
}

/// The UTC civil time of epoch second `t`.
fn civil(t: i64) -> Civil {
    let secs = t.rem_euclid(86_400);
    let (year, month, day) = hornet_feel::civil_from_days(t.div_euclid(86_400));
    let (month, day) = (u32::from(month), u32::from(day));
    Civil {
        year,
        month,
        day,
        hour: (secs / 3_600) as u32,
        minute: (secs % 3_600 / 60) as u32,
        second: (secs % 60) as u32,
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// 0 = Sunday … 6 = Saturday.
fn weekday(year: i64, month: u32, day: u32) -> u32 {
    // 1970-01-01 was a Thursday.
    (days_from_civil(year, month, day) + 4).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Epoch millis of a UTC date-time.
    fn at(year: i64, month: u32, day: u32, hour: i64, minute: i64, second: i64) -> i64 {
        (days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second) * 1000
    }

    fn next(expression: &str, after: i64) -> Option<i64> {
        CronExpression::parse(expression)
            .unwrap_or_else(|e| panic!("{expression}: {e}"))
            .next_after(after)
    }

    #[test]
    fn civil_time_round_trips() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2024, 12, 31),
            (1969, 12, 31),
            (2100, 3, 1),
        ] {
            let c = civil(days_from_civil(y, m, d) * 86_400 + 3_723);
            assert_eq!(
                (c.year, c.month, c.day, c.hour, c.minute, c.second),
                (y, m, d, 1, 2, 3)
            );
        }
        assert_eq!(weekday(2025, 3, 3), 1); // a Monday
        assert_eq!(weekday(1970, 1, 1), 4);
    }

    #[test]
    fn next_occurrences_of_plain_fields() {
        let t = at(2025, 3, 3, 10, 0, 0); // Monday 10:00:00
                                          // Strictly after: an instant that matches is not its own next occurrence.
        assert_eq!(next("0 * * * * *", t), Some(at(2025, 3, 3, 10, 1, 0)));
        assert_eq!(next("0 * * * * *", t + 500), Some(at(2025, 3, 3, 10, 1, 0)));
        assert_eq!(next("* * * * * *", t), Some(t + 1000));
        assert_eq!(
            next("*/15 * * * * *", t + 1000),
            Some(at(2025, 3, 3, 10, 0, 15))
        );
        assert_eq!(next("30 5/20 * * * *", t), Some(at(2025, 3, 3, 10, 5, 30)));
        assert_eq!(
            next("0 0 9-17 * * MON-FRI", at(2025, 3, 7, 17, 0, 0)),
            Some(at(2025, 3, 10, 9, 0, 0))
        );
        assert_eq!(next("0 0 0 1 JAN *", t), Some(at(2026, 1, 1, 0, 0, 0)));
        assert_eq!(next("0 0 12 * * SUN", t), Some(at(2025, 3, 9, 12, 0, 0)));
        assert_eq!(next("0 0 12 * * 7", t), Some(at(2025, 3, 9, 12, 0, 0)));
        assert_eq!(next("0 0 12 * * 0", t), Some(at(2025, 3, 9, 12, 0, 0)));
        assert_eq!(next("0 0 0 29 2 ?", t), Some(at(2028, 2, 29, 0, 0, 0)));
        assert_eq!(
            next("0 0 0 31 * *", at(2025, 4, 1, 0, 0, 0)),
            Some(at(2025, 5, 31, 0, 0, 0))
        );
        assert_eq!(next("0 15,45 8 * * *", t), Some(at(2025, 3, 4, 8, 15, 0)));
        // Both day fields restricted: both must hold (Friday the 13th).
        assert_eq!(next("0 0 0 13 * FRI", t), Some(at(2025, 6, 13, 0, 0, 0)));
        // Never.
        assert_eq!(next("0 0 0 30 2 *", t), None);
    }

    #[test]
    fn macros() {
        let t = at(2025, 3, 3, 10, 0, 0);
        assert_eq!(next("@hourly", t), Some(at(2025, 3, 3, 11, 0, 0)));
        assert_eq!(next("@daily", t), Some(at(2025, 3, 4, 0, 0, 0)));
        assert_eq!(next("@midnight", t), Some(at(2025, 3, 4, 0, 0, 0)));
        assert_eq!(next("@weekly", t), Some(at(2025, 3, 9, 0, 0, 0)));
        assert_eq!(next("@monthly", t), Some(at(2025, 4, 1, 0, 0, 0)));
        assert_eq!(next("@yearly", t), Some(at(2026, 1, 1, 0, 0, 0)));
        assert_eq!(next("@annually", t), Some(at(2026, 1, 1, 0, 0, 0)));
    }

    #[test]
    fn last_nearest_and_nth_days() {
        let t = at(2025, 2, 1, 0, 0, 0);
        assert_eq!(next("0 0 0 L * *", t), Some(at(2025, 2, 28, 0, 0, 0)));
        assert_eq!(next("0 0 0 L-2 * *", t), Some(at(2025, 2, 26, 0, 0, 0)));
        // 2025-03-01 is a Saturday: 1W is Monday the 3rd; 2025-08-31 a Sunday: LW is Friday the 29th.
        assert_eq!(next("0 0 0 1W 3 *", t), Some(at(2025, 3, 3, 0, 0, 0)));
        assert_eq!(next("0 0 0 LW 8 *", t), Some(at(2025, 8, 29, 0, 0, 0)));
        // 2025-06-15 is a Sunday: 15W is Monday the 16th.
        assert_eq!(next("0 0 0 15W 6 *", t), Some(at(2025, 6, 16, 0, 0, 0)));
        assert_eq!(next("0 0 0 ? * 5L", t), Some(at(2025, 2, 28, 0, 0, 0)));
        assert_eq!(next("0 0 0 ? * MON#2", t), Some(at(2025, 2, 10, 0, 0, 0)));
        assert_eq!(next("0 0 0 ? * 1#5", t), Some(at(2025, 3, 31, 0, 0, 0)));
        // Cases of Zeebe's CronTimerTest.
        assert_eq!(
            next("0 0 * L * *", at(2022, 1, 30, 0, 1, 0)),
            Some(at(2022, 1, 31, 0, 0, 0))
        );
        assert_eq!(
            next("0 0 * L * *", at(2022, 1, 31, 1, 0, 0)),
            Some(at(2022, 1, 31, 2, 0, 0))
        );
        assert_eq!(
            next("0 0 0 L-3 * *", at(2022, 1, 28, 0, 0, 0)),
            Some(at(2022, 2, 25, 0, 0, 0))
        );
        assert_eq!(
            next("0 0 0 L-3 * *", at(2022, 3, 28, 0, 0, 0)),
            Some(at(2022, 4, 27, 0, 0, 0))
        );
        assert_eq!(
            next("0 0 * 1W * *", at(2022, 6, 29, 0, 1, 0)),
            Some(at(2022, 7, 1, 0, 0, 0))
        );
        assert_eq!(
            next("0 0 * LW * *", at(2022, 6, 29, 0, 1, 0)),
            Some(at(2022, 6, 30, 0, 0, 0))
        );
        assert_eq!(next("0 0 0 31 6 *", t), None);
    }

    #[test]
    fn invalid_expressions_are_rejected() {
        for text in [
            "",
            "*",
            "* * * * *",
            "* * * * * * *",
            "60 * * * * *",
            "20-10 * * * * *",
            "* 60 * * * *",
            "* * 24 * * *",
            "* * * 0 * *",
            "* * * 32 * *",
            "* * * * 13 *",
            "* * * * * 8",
            "*/0 * * * * *",
            "a * * * * *",
            "* * * * FOO *",
            "? * * * * *",
            "* * * * 0 *",
            "* * * * * *SUN",
            "* * * * * SUN*",
            "* 20-10 * * * *",
            "* * * * * MON#6",
            "R/PT1H",
        ] {
            assert!(CronExpression::parse(text).is_err(), "{text:?}");
        }
    }
}
