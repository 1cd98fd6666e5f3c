//! Dates, times, date-times and durations (ISO-8601, proleptic Gregorian calendar), following
//! the `java.time` semantics feel-scala builds on.
//!
//! Calendar arithmetic is done on plain integers here; zone ids are resolved with the IANA
//! database bundled in `jiff`, so results do not depend on the host. Nothing reads the clock.

use crate::value::Value;
use std::cmp::Ordering;
use std::fmt;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SECOND;
const SECONDS_PER_DAY: i64 = 86_400;
/// `java.time.Year.MIN_VALUE` / `MAX_VALUE`.
const MIN_YEAR: i64 = -999_999_999;
const MAX_YEAR: i64 = 999_999_999;

// ------------------------------------------------------------------ types

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// A time of day, nanoseconds since midnight (always below 24h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime {
    nanos: u64,
}

/// A time of day with a UTC offset, and optionally the zone id the offset came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Time {
    time: LocalTime,
    offset: i32,
    zone: Option<String>,
}

/// A date and time without offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    date: Date,
    time: LocalTime,
}

/// A date and time with its UTC offset and, if given as such, its zone id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    local: LocalDateTime,
    offset: i32,
    zone: Option<String>,
}

/// A days-and-time duration in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayTimeDuration {
    nanos: i128,
}

/// A years-and-months duration in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonthDuration {
    months: i64,
}

// ------------------------------------------------------------------ calendar arithmetic

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Date {
    /// A valid date, or `None` (e.g. February 30th or a year outside ±999,999,999).
    pub fn new(year: i64, month: i64, day: i64) -> Option<Date> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        let month = month as u8;
        if day < 1 || day > i64::from(days_in_month(year, month)) {
            return None;
        }
        Some(Date {
            year: year as i32,
            month,
            day: day as u8,
        })
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> u8 {
        self.month
    }

    pub fn day(&self) -> u8 {
        self.day
    }

    pub(crate) fn epoch_days(&self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }

    pub(crate) fn from_epoch_days(days: i64) -> Option<Date> {
        let (y, m, d) = civil_from_days(days);
        Date::new(y, i64::from(m), i64::from(d))
    }

    /// ISO day of week, Monday = 1 … Sunday = 7.
    pub fn weekday(&self) -> u8 {
        (self.epoch_days() + 3).rem_euclid(7) as u8 + 1
    }

    pub fn day_of_year(&self) -> u16 {
        (self.epoch_days() - days_from_civil(i64::from(self.year), 1, 1) + 1) as u16
    }

    /// ISO-8601 week number (weeks start on Monday; week 1 contains January 4th).
    pub fn iso_week(&self) -> u8 {
        let thursday = self.epoch_days() - i64::from(self.weekday()) + 4;
        let (year, _, _) = civil_from_days(thursday);
        let first = days_from_civil(year, 1, 1);
        ((thursday - first) / 7 + 1) as u8
    }

    pub fn last_day_of_month(&self) -> u8 {
        days_in_month(i64::from(self.year), self.month)
    }

    /// Adds months, clamping the day to the end of the target month (like `plusMonths`).
    pub(crate) fn plus_months(&self, months: i64) -> Option<Date> {
        let total = i64::from(self.year)
            .checked_mul(12)?
            .checked_add(i64::from(self.month) - 1)?
            .checked_add(months)?;
        let year = total.div_euclid(12);
        let month = (total.rem_euclid(12) + 1) as u8;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        let day = self.day.min(days_in_month(year, month));
        Date::new(year, i64::from(month), i64::from(day))
    }
}

impl LocalTime {
    /// A time of day; `nanos` must be below 10⁹.
    pub fn new(hour: i64, minute: i64, second: i64, nanos: i64) -> Option<LocalTime> {
        if !(0..24).contains(&hour)
            || !(0..60).contains(&minute)
            || !(0..60).contains(&second)
            || !(0..1_000_000_000).contains(&nanos)
        {
            return None;
        }
        Some(LocalTime {
            nanos: ((hour * 3600 + minute * 60 + second) * 1_000_000_000 + nanos) as u64,
        })
    }

    pub(crate) fn from_nanos_of_day(nanos: i128) -> LocalTime {
        LocalTime {
            nanos: nanos.rem_euclid(NANOS_PER_DAY) as u64,
        }
    }

    pub(crate) fn nanos_of_day(&self) -> i128 {
        i128::from(self.nanos)
    }

    pub fn hour(&self) -> u8 {
        (self.nanos / 3_600_000_000_000) as u8
    }

    pub fn minute(&self) -> u8 {
        ((self.nanos / 60_000_000_000) % 60) as u8
    }

    pub fn second(&self) -> u8 {
        ((self.nanos / 1_000_000_000) % 60) as u8
    }

    pub fn nanosecond(&self) -> u32 {
        (self.nanos % 1_000_000_000) as u32
    }
}

impl LocalDateTime {
    pub fn new(date: Date, time: LocalTime) -> Self {
        LocalDateTime { date, time }
    }

    pub fn date(&self) -> Date {
        self.date
    }

    pub fn time(&self) -> LocalTime {
        self.time
    }

    /// Nanoseconds since 1970-01-01T00:00 on the local timeline.
    fn epoch_nanos(&self) -> i128 {
        i128::from(self.date.epoch_days()) * NANOS_PER_DAY + self.time.nanos_of_day()
    }

    fn from_epoch_nanos(nanos: i128) -> Option<LocalDateTime> {
        let days = i64::try_from(nanos.div_euclid(NANOS_PER_DAY)).ok()?;
        Some(LocalDateTime {
            date: Date::from_epoch_days(days)?,
            time: LocalTime::from_nanos_of_day(nanos.rem_euclid(NANOS_PER_DAY)),
        })
    }

    fn plus_nanos(&self, nanos: i128) -> Option<LocalDateTime> {
        LocalDateTime::from_epoch_nanos(self.epoch_nanos().checked_add(nanos)?)
    }

    fn plus_months(&self, months: i64) -> Option<LocalDateTime> {
        Some(LocalDateTime {
            date: self.date.plus_months(months)?,
            time: self.time,
        })
    }
}

impl Time {
    pub fn time(&self) -> LocalTime {
        self.time
    }

    /// UTC offset in seconds.
    pub fn offset_seconds(&self) -> i32 {
        self.offset
    }

    pub fn zone_id(&self) -> Option<&str> {
        self.zone.as_deref()
    }

    /// The time normalized to UTC, for comparisons.
    fn utc_nanos(&self) -> i128 {
        self.time.nanos_of_day() - i128::from(self.offset) * NANOS_PER_SECOND
    }

    fn with_time(&self, time: LocalTime) -> Time {
        Time {
            time,
            offset: self.offset,
            zone: self.zone.clone(),
        }
    }
}

impl DateTime {
    pub fn local(&self) -> LocalDateTime {
        self.local
    }

    /// UTC offset in seconds.
    pub fn offset_seconds(&self) -> i32 {
        self.offset
    }

    pub fn zone_id(&self) -> Option<&str> {
        self.zone.as_deref()
    }

    /// Nanoseconds since the Unix epoch.
    pub fn epoch_nanos(&self) -> i128 {
        self.local.epoch_nanos() - i128::from(self.offset) * NANOS_PER_SECOND
    }

    /// The UTC date-time at `epoch_millis`.
    pub fn from_epoch_millis(epoch_millis: i64) -> Option<DateTime> {
        let local = LocalDateTime::from_epoch_nanos(i128::from(epoch_millis) * 1_000_000)?;
        Some(DateTime {
            local,
            offset: 0,
            zone: None,
        })
    }

    /// Attaches a zone to a local date-time: ids are resolved with the zone rules (a gap moves
    /// forward, an overlap takes the earlier offset, as `java.time` does).
    pub(crate) fn from_local(local: LocalDateTime, zone: &ZoneSpec) -> Option<DateTime> {
        match zone {
            ZoneSpec::Offset(offset) => Some(DateTime {
                local,
                offset: *offset,
                zone: None,
            }),
            ZoneSpec::Id(id) => {
                let tz = jiff::tz::TimeZone::get(id).ok()?;
                let civil = to_civil(&local)?;
                let zoned = tz.to_ambiguous_zoned(civil).compatible().ok()?;
                let resolved = from_civil(zoned.datetime())?;
                Some(DateTime {
                    local: resolved,
                    offset: zoned.offset().seconds(),
                    zone: Some(id.clone()),
                })
            }
        }
    }

    /// The same instant expressed in another zone.
    pub(crate) fn at_instant(epoch_nanos: i128, zone: &ZoneSpec) -> Option<DateTime> {
        let offset = match zone {
            ZoneSpec::Offset(offset) => *offset,
            ZoneSpec::Id(id) => {
                let tz = jiff::tz::TimeZone::get(id).ok()?;
                let ts = jiff::Timestamp::from_nanosecond(epoch_nanos).ok()?;
                tz.to_offset(ts).seconds()
            }
        };
        let local =
            LocalDateTime::from_epoch_nanos(epoch_nanos + i128::from(offset) * NANOS_PER_SECOND)?;
        Some(DateTime {
            local,
            offset,
            zone: match zone {
                ZoneSpec::Offset(_) => None,
                ZoneSpec::Id(id) => Some(id.clone()),
            },
        })
    }

    fn zone_spec(&self) -> ZoneSpec {
        match &self.zone {
            Some(id) => ZoneSpec::Id(id.clone()),
            None => ZoneSpec::Offset(self.offset),
        }
    }

    fn plus_nanos(&self, nanos: i128) -> Option<DateTime> {
        // Durations move along the instant timeline (like `ZonedDateTime.plus(Duration)`).
        DateTime::at_instant(self.epoch_nanos().checked_add(nanos)?, &self.zone_spec())
    }

    fn plus_months(&self, months: i64) -> Option<DateTime> {
        // Periods move along the local timeline, then the zone is re-applied.
        DateTime::from_local(self.local.plus_months(months)?, &self.zone_spec())
    }

    /// The time-of-day part with this date-time's offset and zone.
    pub(crate) fn time(&self) -> Time {
        Time {
            time: self.local.time,
            offset: self.offset,
            zone: self.zone.clone(),
        }
    }
}

fn to_civil(local: &LocalDateTime) -> Option<jiff::civil::DateTime> {
    let d = local.date;
    let t = local.time;
    jiff::civil::DateTime::new(
        i16::try_from(d.year).ok()?,
        i8::try_from(d.month).ok()?,
        i8::try_from(d.day).ok()?,
        t.hour() as i8,
        t.minute() as i8,
        t.second() as i8,
        i32::try_from(t.nanosecond()).ok()?,
    )
    .ok()
}

fn from_civil(dt: jiff::civil::DateTime) -> Option<LocalDateTime> {
    Some(LocalDateTime {
        date: Date::new(
            i64::from(dt.year()),
            i64::from(dt.month()),
            i64::from(dt.day()),
        )?,
        time: LocalTime::new(
            i64::from(dt.hour()),
            i64::from(dt.minute()),
            i64::from(dt.second()),
            i64::from(dt.subsec_nanosecond()),
        )?,
    })
}

/// A zone as written by the user: a fixed offset or an IANA id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ZoneSpec {
    Offset(i32),
    Id(String),
}

impl ZoneSpec {
    /// Parses `Z`, `UTC`-like fixed names, `+01:00` or a known IANA zone id.
    pub(crate) fn parse(text: &str) -> Option<ZoneSpec> {
        if text == "Z" {
            return Some(ZoneSpec::Offset(0));
        }
        if let Some(offset) = parse_offset(text) {
            return Some(ZoneSpec::Offset(offset));
        }
        jiff::tz::TimeZone::get(text).ok()?;
        Some(ZoneSpec::Id(text.to_string()))
    }

    /// The zone's standard (non-daylight-saving) offset, used for times of day with a zone
    /// id: a time alone has no date to pick the daylight-saving rule from. feel-scala takes
    /// the standard offset at the current instant; a fixed reference instant keeps this
    /// deterministic.
    fn standard_offset(&self) -> Option<i32> {
        match self {
            ZoneSpec::Offset(o) => Some(*o),
            ZoneSpec::Id(id) => {
                let tz = jiff::tz::TimeZone::get(id).ok()?;
                // 2000-01-01 and 2000-07-01: one of them is outside daylight saving time.
                for secs in [946_684_800_i64, 962_409_600] {
                    let ts = jiff::Timestamp::from_second(secs).ok()?;
                    let info = tz.to_offset_info(ts);
                    if !info.dst().is_dst() {
                        return Some(info.offset().seconds());
                    }
                }
                let ts = jiff::Timestamp::from_second(946_684_800).ok()?;
                Some(tz.to_offset(ts).seconds())
            }
        }
    }
}

impl DayTimeDuration {
    pub fn from_nanos(nanos: i128) -> Self {
        DayTimeDuration { nanos }
    }

    pub fn from_seconds(seconds: i64) -> Self {
        DayTimeDuration {
            nanos: i128::from(seconds) * NANOS_PER_SECOND,
        }
    }

    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    pub fn abs(self) -> Self {
        DayTimeDuration {
            nanos: self.nanos.abs(),
        }
    }

    /// Whole seconds, truncated toward zero (like `Duration.getSeconds` for positive values).
    fn whole_seconds(&self) -> i128 {
        self.nanos / NANOS_PER_SECOND
    }
}

impl YearMonthDuration {
    pub fn from_months(months: i64) -> Self {
        YearMonthDuration { months }
    }

    pub fn months(&self) -> i64 {
        self.months
    }

    pub fn abs(self) -> Self {
        YearMonthDuration {
            months: self.months.abs(),
        }
    }

    /// Years and months since `from` until `to`, ignoring days (like `Period.between`).
    pub(crate) fn between(from: Date, to: Date) -> YearMonthDuration {
        let mut months = (i64::from(to.year) - i64::from(from.year)) * 12 + i64::from(to.month)
            - i64::from(from.month);
        if months > 0 && to.day < from.day {
            months -= 1;
        } else if months < 0 && to.day > from.day {
            months += 1;
        }
        YearMonthDuration { months }
    }
}

// ------------------------------------------------------------------ parsing

/// A tiny cursor over ASCII text for the ISO formats.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s: s.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let end = self.pos.checked_add(n)?;
        let slice = self.s.get(self.pos..end)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos = end;
        std::str::from_utf8(slice).ok()?.parse().ok()
    }

    /// One or more digits (at most `max`), returned with their count.
    fn some_digits(&mut self, max: usize) -> Option<(i64, usize)> {
        let start = self.pos;
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() && self.pos - start < max
        {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        Some((text.parse().ok()?, self.pos - start))
    }

    fn rest(&self) -> &'a str {
        std::str::from_utf8(&self.s[self.pos.min(self.s.len())..]).unwrap_or("")
    }
}

fn parse_date_at(c: &mut Cursor) -> Option<Date> {
    let negative = c.eat(b'-');
    let (year, len) = c.some_digits(9)?;
    if len < 4 || (len > 4 && c.s.get(c.pos - len) == Some(&b'0')) {
        return None;
    }
    let year = if negative { -year } else { year };
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    Date::new(year, month, day)
}

/// `yyyy-mm-dd`
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let mut c = Cursor::new(text);
    let date = parse_date_at(&mut c)?;
    c.done().then_some(date)
}

fn parse_local_time_at(c: &mut Cursor) -> Option<LocalTime> {
    let hour = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2)?;
    let mut second = 0;
    let mut nanos = 0;
    if c.eat(b':') {
        second = c.digits(2)?;
        if c.eat(b'.') {
            let (fraction, len) = c.some_digits(9)?;
            nanos = fraction * 10_i64.pow(9 - len as u32);
        }
    }
    LocalTime::new(hour, minute, second, nanos)
}

/// `+hh:mm`, `-hh:mm`, `+hh:mm:ss`, `+hh`, `+hhmm` as seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let mut c = Cursor::new(text);
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let hours = c.digits(2)?;
    let mut minutes = 0;
    let mut seconds = 0;
    if c.eat(b':') {
        minutes = c.digits(2)?;
        if c.eat(b':') {
            seconds = c.digits(2)?;
        }
    } else if !c.done() {
        minutes = c.digits(2)?;
    }
    if !c.done() || hours > 18 || minutes > 59 || seconds > 59 {
        return None;
    }
    let total = hours * 3600 + minutes * 60 + seconds;
    if total > 18 * 3600 {
        return None;
    }
    Some(sign * total as i32)
}

/// The zone suffix after a time: `Z`, an offset, `@zone id`, or `offset[zone id]`.
fn parse_zone_suffix(rest: &str) -> Option<Option<ZoneSpec>> {
    if rest.is_empty() {
        return Some(None);
    }
    if let Some(id) = rest.strip_prefix('@') {
        return match ZoneSpec::parse(id)? {
            ZoneSpec::Id(id) => Some(Some(ZoneSpec::Id(id))),
            offset => Some(Some(offset)),
        };
    }
    if let Some(open) = rest.find('[') {
        let id = rest[open + 1..].strip_suffix(']')?;
        ZoneSpec::parse(&rest[..open])?;
        return Some(Some(ZoneSpec::parse(id)?));
    }
    if rest == "Z" {
        return Some(Some(ZoneSpec::Offset(0)));
    }
    Some(Some(ZoneSpec::Offset(parse_offset(rest)?)))
}

/// A time of day, optionally with a `T` prefix and a zone: `10:30:00`, `T10:30:00+01:00`,
/// `10:30:00@Europe/Paris`.
pub(crate) fn parse_time(text: &str) -> Option<Value> {
    let text = text.strip_prefix('T').unwrap_or(text);
    let mut c = Cursor::new(text);
    let time = parse_local_time_at(&mut c)?;
    match parse_zone_suffix(c.rest())? {
        None => Some(Value::LocalTime(time)),
        Some(zone) => Some(Value::Time(Time {
            time,
            offset: zone.standard_offset()?,
            zone: match zone {
                ZoneSpec::Id(id) => Some(id),
                ZoneSpec::Offset(_) => None,
            },
        })),
    }
}

/// A date and time (`2020-01-01T10:00:00`, with optional zone), or a date alone, which means
/// midnight of that day.
pub(crate) fn parse_date_time(text: &str) -> Option<Value> {
    let mut c = Cursor::new(text);
    let date = parse_date_at(&mut c)?;
    if c.done() {
        return Some(Value::LocalDateTime(LocalDateTime {
            date,
            time: LocalTime { nanos: 0 },
        }));
    }
    if !c.eat(b'T') {
        return None;
    }
    let time = parse_local_time_at(&mut c)?;
    let local = LocalDateTime { date, time };
    match parse_zone_suffix(c.rest())? {
        None => Some(Value::LocalDateTime(local)),
        Some(zone) => Some(Value::DateTime(DateTime::from_local(local, &zone)?)),
    }
}

/// `P1Y2M` (years and months) or `P1DT2H3M4.5S` (days and time); signs as `java.time` allows.
pub(crate) fn parse_duration(text: &str) -> Option<Value> {
    let mut c = Cursor::new(text);
    let negative = c.eat(b'-');
    if !c.eat(b'P') {
        return None;
    }
    let mut months: i128 = 0;
    let mut nanos: i128 = 0;
    let mut has_year_month = false;
    let mut has_day_time = false;
    let mut in_time = false;
    let mut any = false;
    let mut last_unit = 0u8;
    while !c.done() {
        if c.eat(b'T') {
            if in_time {
                return None;
            }
            in_time = true;
            continue;
        }
        let sign: i128 = if c.eat(b'-') { -1 } else { 1 };
        let (whole, _) = c.some_digits(18)?;
        let mut fraction: i128 = 0;
        // `java.time` accepts `.` or `,` and zero to nine fraction digits (`PT0.S`).
        if c.eat(b'.') || c.eat(b',') {
            if let Some((f, len)) = c.some_digits(9) {
                fraction = i128::from(f) * 10_i128.pow(9 - len as u32);
            }
        }
        let unit = c.peek()?;
        c.pos += 1;
        let whole = i128::from(whole);
        // Units must come in order: Y M D T H M S.
        let rank = match (in_time, unit) {
            (false, b'Y') => 1,
            (false, b'M') => 2,
            (false, b'D') => 3,
            (true, b'H') => 4,
            (true, b'M') => 5,
            (true, b'S') => 6,
            _ => return None,
        };
        if rank <= last_unit || (fraction != 0 && rank != 6) {
            return None;
        }
        last_unit = rank;
        any = true;
        match rank {
            1 => {
                months += sign * whole * 12;
                has_year_month = true;
            }
            2 => {
                months += sign * whole;
                has_year_month = true;
            }
            3 => {
                nanos += sign * whole * NANOS_PER_DAY;
                has_day_time = true;
            }
            4 => {
                nanos += sign * whole * 3600 * NANOS_PER_SECOND;
                has_day_time = true;
            }
            5 => {
                nanos += sign * whole * 60 * NANOS_PER_SECOND;
                has_day_time = true;
            }
            _ => {
                nanos += sign * (whole * NANOS_PER_SECOND + fraction);
                has_day_time = true;
            }
        }
    }
    if !any || (in_time && last_unit < 4) || (has_year_month && has_day_time) {
        return None;
    }
    let factor = if negative { -1 } else { 1 };
    if has_year_month {
        Some(Value::YearMonthDuration(YearMonthDuration {
            months: i64::try_from(factor * months).ok()?,
        }))
    } else {
        Some(Value::DayTimeDuration(DayTimeDuration {
            nanos: factor * nanos,
        }))
    }
}

/// An `@"..."` literal: date, date-time, time or duration.
pub(crate) fn parse_literal(text: &str) -> Option<Value> {
    if let Some(date) = parse_date(text) {
        return Some(Value::Date(date));
    }
    if text.starts_with('P') || text.starts_with("-P") {
        return parse_duration(text);
    }
    // `hh:` or `Thh:` starts a time; zone ids may contain a `T` (`@UTC`), so look at the start.
    let time_like = text.strip_prefix('T').unwrap_or(text);
    if time_like.as_bytes().get(2) == Some(&b':') {
        return parse_time(text);
    }
    parse_date_time(text)
}

// ------------------------------------------------------------------ formatting

/// `java.time.LocalTime.toString()`: seconds omitted when zero, fraction in groups of three.
fn write_java_time(f: &mut String, t: &LocalTime) {
    use std::fmt::Write;
    let _ = write!(f, "{:02}:{:02}", t.hour(), t.minute());
    let nanos = t.nanosecond();
    if t.second() > 0 || nanos > 0 {
        let _ = write!(f, ":{:02}", t.second());
        if nanos > 0 {
            if nanos % 1_000_000 == 0 {
                let _ = write!(f, ".{:03}", nanos / 1_000_000);
            } else if nanos % 1000 == 0 {
                let _ = write!(f, ".{:06}", nanos / 1000);
            } else {
                let _ = write!(f, ".{nanos:09}");
            }
        }
    }
}

fn offset_string(offset: i32) -> String {
    if offset == 0 {
        return "Z".to_string();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let mut s = format!("{sign}{:02}:{:02}", abs / 3600, (abs / 60) % 60);
    if abs % 60 != 0 {
        s.push_str(&format!(":{:02}", abs % 60));
    }
    s
}

/// How Zeebe writes temporal values into JSON/MessagePack variables: the `toString()` of the
/// `java.time` value (e.g. `2020-01-01T10:00+01:00[Europe/Berlin]`, `PT36H`, `P1Y2M`).
pub(crate) fn java_string(value: &Value) -> Option<String> {
    let mut s = String::new();
    match value {
        Value::Date(d) => s = d.java_string(),
        Value::LocalTime(t) => write_java_time(&mut s, t),
        Value::Time(t) => s = t.to_string(),
        Value::LocalDateTime(dt) => {
            s = dt.date.java_string();
            s.push('T');
            write_java_time(&mut s, &dt.time);
        }
        Value::DateTime(dt) => {
            s = dt.local.date.java_string();
            s.push('T');
            write_java_time(&mut s, &dt.local.time);
            s.push_str(&offset_string(dt.offset));
            if let Some(zone) = &dt.zone {
                s.push('[');
                s.push_str(zone);
                s.push(']');
            }
        }
        Value::DayTimeDuration(d) => s = java_duration_string(d.nanos),
        Value::YearMonthDuration(d) => {
            if d.months == 0 {
                return Some("P0D".to_string());
            }
            s.push('P');
            let (years, months) = (d.months / 12, d.months % 12);
            if years != 0 {
                s.push_str(&format!("{years}Y"));
            }
            if months != 0 {
                s.push_str(&format!("{months}M"));
            }
        }
        _ => return None,
    }
    Some(s)
}

/// How feel-scala's `to json()` writes temporal values: FEEL forms with seconds, date-times
/// with a zone as `2025-11-24T10:00:00+01:00[Europe/Berlin]`, durations as `java.time` does.
pub(crate) fn json_function_string(value: &Value) -> Option<String> {
    Some(match value {
        Value::Date(_) | Value::LocalTime(_) | Value::Time(_) | Value::LocalDateTime(_) => {
            value.to_string()
        }
        Value::DateTime(dt) => {
            let mut s = format!("{}{}", dt.local, offset_string(dt.offset));
            if let Some(zone) = &dt.zone {
                s.push('[');
                s.push_str(zone);
                s.push(']');
            }
            s
        }
        Value::DayTimeDuration(_) | Value::YearMonthDuration(_) => java_string(value)?,
        _ => return None,
    })
}

/// `java.time.Duration.toString()`.
fn java_duration_string(total_nanos: i128) -> String {
    if total_nanos == 0 {
        return "PT0S".to_string();
    }
    let seconds = total_nanos.div_euclid(NANOS_PER_SECOND);
    let nanos = total_nanos.rem_euclid(NANOS_PER_SECOND);
    let effective = if seconds < 0 && nanos > 0 {
        seconds + 1
    } else {
        seconds
    };
    let hours = effective / 3600;
    let minutes = (effective % 3600) / 60;
    let secs = effective % 60;
    let mut s = String::from("PT");
    if hours != 0 {
        s.push_str(&format!("{hours}H"));
    }
    if minutes != 0 {
        s.push_str(&format!("{minutes}M"));
    }
    if secs == 0 && nanos == 0 && s.len() > 2 {
        return s;
    }
    if seconds < 0 && nanos > 0 && secs == 0 {
        s.push_str("-0");
    } else {
        s.push_str(&secs.to_string());
    }
    if nanos > 0 {
        let fraction = if seconds < 0 {
            2 * NANOS_PER_SECOND - nanos
        } else {
            nanos + NANOS_PER_SECOND
        };
        let digits = fraction.to_string();
        s.push('.');
        s.push_str(digits[1..].trim_end_matches('0'));
    }
    s.push('S');
    s
}

impl Date {
    /// `java.time.LocalDate.toString()`: years above 9999 get a `+`.
    fn java_string(&self) -> String {
        if self.year > 9999 {
            format!("+{self}")
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for Date {
    /// FEEL format `yyyy-mm-dd`; longer years are written in full without a sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year < 0 {
            write!(
                f,
                "-{:04}-{:02}-{:02}",
                -i64::from(self.year),
                self.month,
                self.day
            )
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

impl fmt::Display for LocalTime {
    /// FEEL format: `HH:mm:ss` with an optional fraction without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}:{:02}",
            self.hour(),
            self.minute(),
            self.second()
        )?;
        let nanos = self.nanosecond();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.zone {
            Some(zone) => write!(f, "{}@{zone}", self.time),
            None => write!(f, "{}{}", self.time, offset_string(self.offset)),
        }
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{}", self.date, self.time)
    }
}

impl fmt::Display for DateTime {
    /// FEEL format: the zone id replaces the offset when present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.zone {
            Some(zone) => write!(f, "{}@{zone}", self.local),
            None => write!(f, "{}{}", self.local, offset_string(self.offset)),
        }
    }
}

impl fmt::Display for DayTimeDuration {
    /// FEEL format (feel-scala's `string()`): `P1DT2H3M4.5S`; zero is `P0D`; negative
    /// durations get a leading `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("P0D");
        }
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        let abs = self.nanos.unsigned_abs();
        let nanos_per_second = NANOS_PER_SECOND as u128;
        let total_secs = abs / nanos_per_second;
        let frac = abs % nanos_per_second;
        let days = total_secs / 86_400;
        let hours = (total_secs / 3600) % 24;
        let minutes = (total_secs / 60) % 60;
        let secs = total_secs % 60;
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours > 0 || minutes > 0 || secs > 0 || frac > 0 {
            f.write_str("T")?;
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if secs > 0 || frac > 0 {
                write!(f, "{secs}")?;
                if frac > 0 {
                    let digits = format!("{frac:09}");
                    write!(f, ".{}", digits.trim_end_matches('0'))?;
                }
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for YearMonthDuration {
    /// FEEL format (feel-scala's `string()`): `P1Y2M`; zero is `P0Y`; negative durations get
    /// a leading `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.months == 0 {
            return f.write_str("P0Y");
        }
        if self.months < 0 {
            f.write_str("-")?;
        }
        let abs = self.months.unsigned_abs();
        f.write_str("P")?;
        if abs / 12 > 0 {
            write!(f, "{}Y", abs / 12)?;
        }
        if abs % 12 > 0 {
            write!(f, "{}M", abs % 12)?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ operators
//
// Each returns `None` when the operands do not form a temporal operation (or the result is out
// of range), which the caller maps to FEEL null.

fn dtd(nanos: i128) -> Value {
    Value::DayTimeDuration(DayTimeDuration { nanos })
}

pub(crate) fn add(a: &Value, b: &Value) -> Option<Value> {
    use Value::*;
    Some(match (a, b) {
        (LocalTime(t), DayTimeDuration(d)) | (DayTimeDuration(d), LocalTime(t)) => {
            LocalTime(crate::temporal::LocalTime::from_nanos_of_day(
                t.nanos_of_day() + d.nanos % NANOS_PER_DAY,
            ))
        }
        (Time(t), DayTimeDuration(d)) | (DayTimeDuration(d), Time(t)) => {
            Time(t.with_time(crate::temporal::LocalTime::from_nanos_of_day(
                t.time.nanos_of_day() + d.nanos % NANOS_PER_DAY,
            )))
        }
        (LocalDateTime(dt), YearMonthDuration(d)) | (YearMonthDuration(d), LocalDateTime(dt)) => {
            LocalDateTime(dt.plus_months(d.months)?)
        }
        (LocalDateTime(dt), DayTimeDuration(d)) | (DayTimeDuration(d), LocalDateTime(dt)) => {
            LocalDateTime(dt.plus_nanos(d.nanos)?)
        }
        (DateTime(dt), YearMonthDuration(d)) | (YearMonthDuration(d), DateTime(dt)) => {
            DateTime(dt.plus_months(d.months)?)
        }
        (DateTime(dt), DayTimeDuration(d)) | (DayTimeDuration(d), DateTime(dt)) => {
            DateTime(dt.plus_nanos(d.nanos)?)
        }
        (YearMonthDuration(x), YearMonthDuration(y)) => {
            YearMonthDuration(crate::temporal::YearMonthDuration {
                months: x.months.checked_add(y.months)?,
            })
        }
        (DayTimeDuration(x), DayTimeDuration(y)) => dtd(x.nanos.checked_add(y.nanos)?),
        (Date(date), YearMonthDuration(d)) | (YearMonthDuration(d), Date(date)) => {
            Date(date.plus_months(d.months)?)
        }
        (Date(date), DayTimeDuration(d)) | (DayTimeDuration(d), Date(date)) => {
            // `date.atStartOfDay().plus(duration).toLocalDate()`
            let start = crate::temporal::LocalDateTime {
                date: *date,
                time: crate::temporal::LocalTime { nanos: 0 },
            };
            Date(start.plus_nanos(d.nanos)?.date)
        }
        _ => return None,
    })
}

pub(crate) fn sub(a: &Value, b: &Value) -> Option<Value> {
    use Value::*;
    Some(match (a, b) {
        (LocalTime(x), LocalTime(y)) => dtd(x.nanos_of_day() - y.nanos_of_day()),
        (LocalTime(_), DayTimeDuration(d)) => add(a, &dtd(-d.nanos))?,
        (Time(x), Time(y)) => dtd(x.utc_nanos() - y.utc_nanos()),
        (Time(_), DayTimeDuration(d)) => add(a, &dtd(-d.nanos))?,
        (LocalDateTime(x), LocalDateTime(y)) => dtd(x.epoch_nanos() - y.epoch_nanos()),
        (DateTime(x), DateTime(y)) => dtd(x.epoch_nanos() - y.epoch_nanos()),
        (LocalDateTime(_) | DateTime(_) | Date(_), YearMonthDuration(d)) => add(
            a,
            &YearMonthDuration(crate::temporal::YearMonthDuration {
                months: d.months.checked_neg()?,
            }),
        )?,
        (LocalDateTime(_) | DateTime(_) | Date(_), DayTimeDuration(d)) => add(a, &dtd(-d.nanos))?,
        (Date(x), Date(y)) => dtd(i128::from(x.epoch_days() - y.epoch_days()) * NANOS_PER_DAY),
        (YearMonthDuration(x), YearMonthDuration(y)) => {
            YearMonthDuration(crate::temporal::YearMonthDuration {
                months: x.months.checked_sub(y.months)?,
            })
        }
        (DayTimeDuration(x), DayTimeDuration(y)) => dtd(x.nanos.checked_sub(y.nanos)?),
        _ => return None,
    })
}

/// Duration × number truncates the number to an integer, as feel-scala does.
fn int_factor(n: &crate::number::Number) -> Option<i64> {
    n.trunc_i64()
}

pub(crate) fn mul(a: &Value, b: &Value) -> Option<Value> {
    use Value::*;
    Some(match (a, b) {
        (Number(n), YearMonthDuration(d)) | (YearMonthDuration(d), Number(n)) => {
            YearMonthDuration(crate::temporal::YearMonthDuration {
                months: d.months.checked_mul(int_factor(n)?)?,
            })
        }
        (Number(n), DayTimeDuration(d)) | (DayTimeDuration(d), Number(n)) => {
            dtd(d.nanos.checked_mul(i128::from(int_factor(n)?))?)
        }
        _ => return None,
    })
}

pub(crate) fn div(a: &Value, b: &Value) -> Option<Value> {
    use crate::number::Number as N;
    use Value::*;
    Some(match (a, b) {
        (YearMonthDuration(d), Number(n)) if !n.is_zero() => {
            let months = N::from(d.months).checked_div(n)?.trunc_i64()?;
            YearMonthDuration(crate::temporal::YearMonthDuration { months })
        }
        (YearMonthDuration(x), YearMonthDuration(y)) if y.months != 0 => {
            Number(N::from(x.months).checked_div(&N::from(y.months))?)
        }
        // feel-scala divides whole milliseconds.
        (DayTimeDuration(x), DayTimeDuration(y)) => {
            Number(N::from(x.nanos / 1_000_000).checked_div(&N::from(y.nanos / 1_000_000))?)
        }
        (DayTimeDuration(d), Number(n)) if !n.is_zero() => {
            let millis = N::from(d.nanos / 1_000_000).checked_div(n)?.trunc_i64()?;
            dtd(i128::from(millis) * 1_000_000)
        }
        _ => return None,
    })
}

pub(crate) fn neg(a: &Value) -> Option<Value> {
    match a {
        Value::DayTimeDuration(d) => Some(dtd(-d.nanos)),
        Value::YearMonthDuration(d) => Some(Value::YearMonthDuration(YearMonthDuration {
            months: d.months.checked_neg()?,
        })),
        _ => None,
    }
}

/// Equality as feel-scala's: times and date-times with an offset or zone are equal only if
/// local value, offset and zone all agree (`10:00+01:00` is not `09:00Z`), while ordering
/// compares instants.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    match (a, b) {
        (Time(x), Time(y)) => Some(x == y),
        (DateTime(x), DateTime(y)) => Some(x == y),
        _ => compare(a, b).map(|o| o == Ordering::Equal),
    }
}

pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    Some(match (a, b) {
        (Date(x), Date(y)) => x.cmp(y),
        (LocalTime(x), LocalTime(y)) => x.cmp(y),
        (Time(x), Time(y)) => x.utc_nanos().cmp(&y.utc_nanos()),
        (LocalDateTime(x), LocalDateTime(y)) => x.cmp(y),
        (DateTime(x), DateTime(y)) => x.epoch_nanos().cmp(&y.epoch_nanos()),
        (DayTimeDuration(x), DayTimeDuration(y)) => x.cmp(y),
        (YearMonthDuration(x), YearMonthDuration(y)) => x.cmp(y),
        _ => return None,
    })
}

// ------------------------------------------------------------------ properties

fn num(n: impl Into<crate::number::Number>) -> Value {
    Value::Number(n.into())
}

fn date_property(d: &Date, key: &str) -> Option<Value> {
    Some(match key {
        "year" => num(d.year),
        "month" => num(d.month),
        "day" => num(d.day),
        "weekday" => num(d.weekday()),
        _ => return None,
    })
}

fn time_property(t: &LocalTime, key: &str) -> Option<Value> {
    Some(match key {
        "hour" => num(t.hour()),
        "minute" => num(t.minute()),
        "second" => num(t.second()),
        _ => return None,
    })
}

/// A property such as `date.year` or `duration.hours`; `None` if the value has no such property.
pub(crate) fn property(value: &Value, key: &str) -> Option<Value> {
    match value {
        Value::Date(d) => date_property(d, key),
        Value::LocalTime(t) => match key {
            "time offset" | "timezone" => Some(Value::Null),
            _ => time_property(t, key),
        },
        Value::Time(t) => match key {
            "time offset" => Some(Value::DayTimeDuration(DayTimeDuration::from_seconds(
                i64::from(t.offset),
            ))),
            "timezone" => Some(t.zone.clone().map_or(Value::Null, Value::String)),
            _ => time_property(&t.time, key),
        },
        Value::LocalDateTime(dt) => match key {
            "time offset" | "timezone" => Some(Value::Null),
            _ => date_property(&dt.date, key).or_else(|| time_property(&dt.time, key)),
        },
        Value::DateTime(dt) => match key {
            "time offset" => Some(Value::DayTimeDuration(DayTimeDuration::from_seconds(
                i64::from(dt.offset),
            ))),
            "timezone" => Some(dt.zone.clone().map_or(Value::Null, Value::String)),
            _ => date_property(&dt.local.date, key).or_else(|| time_property(&dt.local.time, key)),
        },
        Value::DayTimeDuration(d) => {
            let secs = d.whole_seconds();
            Some(match key {
                "days" => num(secs / i128::from(SECONDS_PER_DAY)),
                "hours" => num((secs / 3600) % 24),
                "minutes" => num((secs / 60) % 60),
                "seconds" => num(secs % 60),
                _ => return None,
            })
        }
        Value::YearMonthDuration(d) => Some(match key {
            "years" => num(d.months / 12),
            "months" => num(d.months % 12),
            _ => return None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 365, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn weekday_and_weeks() {
        let d = parse_date("2024-01-01").unwrap();
        assert_eq!(d.weekday(), 1);
        assert_eq!(d.iso_week(), 1);
        assert_eq!(parse_date("2021-01-03").unwrap().iso_week(), 53);
        assert_eq!(parse_date("2024-12-31").unwrap().day_of_year(), 366);
    }

    #[test]
    fn invalid_dates() {
        assert!(parse_date("2021-02-29").is_none());
        assert!(parse_date("2021-13-01").is_none());
        assert!(parse_date("21-01-01").is_none());
        assert!(parse_date("2021-01-01x").is_none());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(
            parse_duration("P1DT2H"),
            Some(dtd(26 * 3600 * NANOS_PER_SECOND))
        );
        assert_eq!(parse_duration("-PT1.5S"), Some(dtd(-1_500_000_000)));
        assert_eq!(
            parse_duration("P1Y2M"),
            Some(Value::YearMonthDuration(YearMonthDuration { months: 14 }))
        );
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("P1Y2D"), None);
        assert_eq!(parse_duration("P1H"), None);
    }

    #[test]
    fn java_duration_format() {
        assert_eq!(java_duration_string(36 * 3600 * NANOS_PER_SECOND), "PT36H");
        assert_eq!(
            java_duration_string(-90 * 60 * NANOS_PER_SECOND),
            "PT-1H-30M"
        );
        assert_eq!(java_duration_string(1_500_000_000), "PT1.5S");
        assert_eq!(java_duration_string(-500_000_000), "PT-0.5S");
    }

    #[test]
    fn zone_resolution_uses_the_rules() {
        let Some(Value::DateTime(summer)) = parse_date_time("2020-07-01T12:00:00@Europe/Berlin")
        else {
            panic!("expected a date-time");
        };
        assert_eq!(summer.offset, 7200);
        let Some(Value::DateTime(winter)) = parse_date_time("2020-01-01T12:00:00@Europe/Berlin")
        else {
            panic!("expected a date-time");
        };
        assert_eq!(winter.offset, 3600);
        // 02:30 does not exist on 2020-03-29 in Berlin: moves forward by the gap.
        let Some(Value::DateTime(gap)) = parse_date_time("2020-03-29T02:30:00@Europe/Berlin")
        else {
            panic!("expected a date-time");
        };
        assert_eq!(gap.local.time.hour(), 3);
        assert!(parse_date_time("2020-01-01T12:00:00@Mars/Base").is_none());
    }
}
