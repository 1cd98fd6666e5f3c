//! FEEL numbers: decimals with the semantics of Java's `BigDecimal` under
//! `MathContext.DECIMAL128`, which is what feel-scala uses: 34 significant digits, rounding
//! half-even, exact for everything that fits.
//!
//! The representation (`bigdecimal::BigDecimal`) is private so that the crate choice does not
//! leak into other crates. Every result is rounded to 34 significant digits; magnitudes beyond
//! the decimal128 exponent range (about 1e±6144) are treated as overflow and become FEEL null,
//! which also bounds the memory a single number can take.

use bigdecimal::{BigDecimal, Context, FromPrimitive, RoundingMode, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;
use std::str::FromStr;

/// Significant digits of DECIMAL128.
const PRECISION: u64 = 34;
/// Largest decimal exponent (order of magnitude) accepted, as in decimal128.
const MAX_EXPONENT: i64 = 6144;
/// Smallest order of magnitude accepted; smaller non-zero values underflow to zero.
const MIN_EXPONENT: i64 = -6143;

/// A FEEL number. Equality and ordering are numeric (`1.0 = 1`).
#[derive(Clone)]
pub struct Number(BigDecimal);

/// How [`Number::round`] treats the discarded digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Away from zero.
    Up,
    /// Toward zero.
    Down,
    /// Toward positive infinity.
    Ceiling,
    /// Toward negative infinity.
    Floor,
    /// To nearest, ties away from zero.
    HalfUp,
    /// To nearest, ties toward zero.
    HalfDown,
    /// To nearest, ties to the even neighbour.
    HalfEven,
}

impl Rounding {
    fn mode(self) -> RoundingMode {
        match self {
            Rounding::Up => RoundingMode::Up,
            Rounding::Down => RoundingMode::Down,
            Rounding::Ceiling => RoundingMode::Ceiling,
            Rounding::Floor => RoundingMode::Floor,
            Rounding::HalfUp => RoundingMode::HalfUp,
            Rounding::HalfDown => RoundingMode::HalfDown,
            Rounding::HalfEven => RoundingMode::HalfEven,
        }
    }
}

fn context() -> Context {
    Context::new(
        NonZeroU64::new(PRECISION).unwrap_or(NonZeroU64::MIN),
        RoundingMode::HalfEven,
    )
}

impl Rounding {
    /// The rounding mode named as in Java/Scala `RoundingMode` (`"HALF_EVEN"`, `"up"`, ...).
    pub fn from_name(name: &str) -> Option<Rounding> {
        Some(match name.to_ascii_uppercase().as_str() {
            "UP" => Rounding::Up,
            "DOWN" => Rounding::Down,
            "CEILING" => Rounding::Ceiling,
            "FLOOR" => Rounding::Floor,
            "HALF_UP" => Rounding::HalfUp,
            "HALF_DOWN" => Rounding::HalfDown,
            "HALF_EVEN" => Rounding::HalfEven,
            _ => return None,
        })
    }
}

impl Number {
    pub fn zero() -> Self {
        Number(BigDecimal::zero())
    }

    /// Rounds to 34 significant digits; `None` if outside the decimal128 range.
    fn checked(value: BigDecimal) -> Option<Number> {
        if value.is_zero() {
            return Some(Number(BigDecimal::zero()));
        }
        let rounded = if value.digits() > PRECISION {
            value.with_precision_round(NonZeroU64::new(PRECISION)?, RoundingMode::HalfEven)
        } else {
            value
        };
        let magnitude = rounded.order_of_magnitude();
        if magnitude > MAX_EXPONENT {
            return None;
        }
        if magnitude < MIN_EXPONENT {
            return Some(Number(BigDecimal::zero()));
        }
        Some(Number(rounded))
    }

    /// Parses FEEL/JSON number text: optional sign, digits, optional fraction, optional
    /// exponent. Leading `.` is allowed (`.5`); anything else (hex, `inf`, spaces) is rejected.
    pub fn parse(text: &str) -> Option<Number> {
        // Longer digit strings are out of the decimal128 range anyway; rejecting them early
        // keeps a huge string variable from costing quadratic big-integer parsing.
        if text.len() > 6_400 {
            return None;
        }
        let body = text.strip_prefix(['-', '+']).unwrap_or(text);
        let mut chars = body.chars().peekable();
        let mut digits = 0;
        while chars.next_if(char::is_ascii_digit).is_some() {
            digits += 1;
        }
        if chars.next_if_eq(&'.').is_some() {
            while chars.next_if(char::is_ascii_digit).is_some() {
                digits += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        if chars.next_if(|c| *c == 'e' || *c == 'E').is_some() {
            chars.next_if(|c| *c == '+' || *c == '-');
            let mut exp_digits = 0;
            while chars.next_if(char::is_ascii_digit).is_some() {
                exp_digits += 1;
            }
            // Exponents beyond 6 digits are out of range anyway; reject before allocating.
            if exp_digits == 0 || exp_digits > 6 {
                return None;
            }
        }
        if chars.next().is_some() {
            return None;
        }
        Number::checked(BigDecimal::from_str(text).ok()?)
    }

    /// The number feel-scala makes of a `double`: through `Double.toString`, so `4.0` keeps one
    /// fractional digit (`string(sqrt(16))` is `"4.0"`) and `1.0E7` becomes `1.0E+7`.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        Number::parse(&java_double_string(f)).or_else(|| Number::checked(BigDecimal::from_f64(f)?))
    }

    /// The nearest `f64` (correctly rounded through the decimal text).
    pub fn to_f64(&self) -> Option<f64> {
        self.0
            .to_scientific_notation()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
    }

    /// The value as `i64` if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    /// The value as `u64` if it is a non-negative integer in range.
    pub fn to_u64(&self) -> Option<u64> {
        if self.is_integer() {
            self.0.to_u64()
        } else {
            None
        }
    }

    /// The integer part (toward zero) as `i64`, if in range.
    pub fn trunc_i64(&self) -> Option<i64> {
        self.round(0, Rounding::Down)?.to_i64()
    }

    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.sign() == bigdecimal::num_bigint::Sign::Minus
    }

    pub fn abs(&self) -> Number {
        Number(self.0.abs())
    }

    pub fn neg(&self) -> Number {
        Number(-self.0.clone())
    }

    pub fn checked_add(&self, other: &Number) -> Option<Number> {
        Number::checked(&self.0 + &other.0)
    }

    pub fn checked_sub(&self, other: &Number) -> Option<Number> {
        Number::checked(&self.0 - &other.0)
    }

    pub fn checked_mul(&self, other: &Number) -> Option<Number> {
        Number::checked(&self.0 * &other.0)
    }

    /// `None` on division by zero.
    pub fn checked_div(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        Number::checked(&self.0 / &other.0)
    }

    /// `self ** exp`. Integer exponents are exact up to rounding; others go through `f64`
    /// like feel-scala (which uses `Math.pow` for them).
    pub fn pow(&self, exp: &Number) -> Option<Number> {
        if let Some(e) = exp.to_i64() {
            if e.unsigned_abs() > 999_999_999 {
                return None;
            }
            if e < 0 && self.is_zero() {
                return None;
            }
            let result = self.0.powi_with_context(e, &context());
            return Number::checked(result);
        }
        let result = self.to_f64()?.powf(exp.to_f64()?);
        Number::from_f64(result)
    }

    /// Rounds to `scale` fractional digits (negative: to tens, hundreds, ...).
    pub fn round(&self, scale: i64, rounding: Rounding) -> Option<Number> {
        if !(-MAX_EXPONENT..=MAX_EXPONENT + PRECISION as i64).contains(&scale) {
            return None;
        }
        // Rounding to more digits than the number has changes nothing (and avoids padding).
        if scale >= self.0.fractional_digit_count() {
            return Some(self.clone());
        }
        Number::checked(self.0.with_scale_round(scale, rounding.mode()))
    }

    /// `dividend - divisor * floor(dividend / divisor)`: the result has the divisor's sign.
    pub fn modulo(&self, divisor: &Number) -> Option<Number> {
        let quotient = self.checked_div(divisor)?.round(0, Rounding::Floor)?;
        self.checked_sub(&divisor.checked_mul(&quotient)?)
    }

    /// Square root (through `f64`, as feel-scala's `Math.sqrt`); `None` for negative numbers.
    pub fn sqrt(&self) -> Option<Number> {
        if self.is_negative() {
            return None;
        }
        Number::from_f64(self.to_f64()?.sqrt())
    }

    /// Natural logarithm (through `f64`, as feel-scala does); `None` for non-positive numbers.
    pub fn ln(&self) -> Option<Number> {
        if self.is_negative() || self.is_zero() {
            return None;
        }
        Number::from_f64(self.to_f64()?.ln())
    }

    /// `e ** self` (through `f64`, as feel-scala does).
    pub fn exp(&self) -> Option<Number> {
        Number::from_f64(self.to_f64()?.exp())
    }

    /// Digits without exponent and without trailing fractional zeros (`1.50` → `1.5`).
    pub fn to_plain_string(&self) -> String {
        self.0.normalized().to_plain_string()
    }

    /// Java's `BigDecimal.toString()`, which feel-scala's `string()` uses: the scale is kept
    /// (`1.50`), and very small or large magnitudes use scientific notation (`1E+3`, `1E-7`).
    pub fn to_java_string(&self) -> String {
        let (unscaled, scale) = self.0.as_bigint_and_exponent();
        let negative = unscaled.sign() == bigdecimal::num_bigint::Sign::Minus;
        let digits = unscaled.magnitude().to_string();
        let adjusted = -scale + (digits.len() as i64 - 1);
        let mut out = String::with_capacity(digits.len() + 8);
        if negative {
            out.push('-');
        }
        if scale >= 0 && adjusted >= -6 {
            let scale = scale as usize;
            if scale == 0 {
                out.push_str(&digits);
            } else if digits.len() > scale {
                let (int, frac) = digits.split_at(digits.len() - scale);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            } else {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', scale - digits.len()));
                out.push_str(&digits);
            }
        } else {
            out.push_str(&digits[..1]);
            if digits.len() > 1 {
                out.push('.');
                out.push_str(&digits[1..]);
            }
            out.push('E');
            if adjusted >= 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
        out
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                Number(BigDecimal::from(n))
            }
        }
    )*};
}

from_int!(i8, i16, i32, i64, u8, u16, u32, u64);

impl From<usize> for Number {
    fn from(n: usize) -> Self {
        Number(BigDecimal::from(n as u64))
    }
}

impl From<i128> for Number {
    fn from(n: i128) -> Self {
        Number::checked(BigDecimal::from(n)).unwrap_or_else(Number::zero)
    }
}

impl FromStr for Number {
    type Err = InvalidNumber;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Number::parse(s).ok_or_else(|| InvalidNumber(s.to_string()))
    }
}

/// Text that is not a FEEL number (or is out of the decimal128 range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid FEEL number")]
pub struct InvalidNumber(pub String);

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_plain_string().hash(state);
    }
}

impl fmt::Display for Number {
    /// As feel-scala's `string()`: Java's `BigDecimal.toString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_java_string())
    }
}

/// Java's `Double.toString`: plain with at least one fractional digit for magnitudes in
/// [1e-3, 1e7), otherwise `d.dddE±n`.
fn java_double_string(f: f64) -> String {
    let magnitude = f.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = f.to_string();
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let sci = format!("{f:e}");
        let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        if mantissa.contains('.') {
            format!("{mantissa}E{exponent}")
        } else {
            format!("{mantissa}.0E{exponent}")
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl Default for Number {
    fn default() -> Self {
        Number::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn division_has_34_significant_digits() {
        assert_eq!(
            n("1").checked_div(&n("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(
            n("2").checked_div(&n("3")).unwrap().to_string(),
            "0.6666666666666666666666666666666667"
        );
        assert!(n("1").checked_div(&n("0")).is_none());
    }

    #[test]
    fn large_values_are_exact_up_to_34_digits() {
        assert_eq!(
            n("10").pow(&n("30")).unwrap().to_string(),
            "1000000000000000000000000000000"
        );
        assert_eq!(
            n("12345678901234567890123456789012345678").to_string(),
            "1.234567890123456789012345678901235E+37"
        );
        assert!(n("10").pow(&n("7000")).is_none());
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "",
            "-",
            ".",
            "1e",
            "1e1000000000",
            "0x10",
            "1 ",
            "inf",
            "NaN",
            "1.2.3",
        ] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(n(".5"), n("0.5"));
        assert_eq!(n("1E3"), Number::from(1000));
        assert_eq!(n("1.0"), Number::from(1));
    }

    #[test]
    fn java_string_forms() {
        assert_eq!(n("1.50").to_string(), "1.50");
        assert_eq!(n("1e3").to_string(), "1E+3");
        assert_eq!(n("-0.0000001").to_string(), "-1E-7");
        assert_eq!(n("0.000001").to_string(), "0.000001");
        assert_eq!(n("123").to_string(), "123");
        assert_eq!(Number::from_f64(4.0).unwrap().to_string(), "4.0");
        assert_eq!(Number::from_f64(1e7).unwrap().to_string(), "1.0E+7");
        assert_eq!(Number::from_f64(0.5).unwrap().to_string(), "0.5");
        assert_eq!(Number::from_f64(1.5e-5).unwrap().to_string(), "0.000015");
        assert_eq!(
            n("1").checked_div(&n("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(n("10").checked_div(&n("4")).unwrap().to_string(), "2.5");
        assert_eq!(n("100").checked_div(&n("10")).unwrap().to_string(), "10");
        assert_eq!(n("6").checked_div(&n("3")).unwrap().to_string(), "2");
    }

    #[test]
    fn rounding() {
        assert_eq!(n("2.5").round(0, Rounding::HalfEven).unwrap(), n("2"));
        assert_eq!(n("-2.5").round(0, Rounding::HalfUp).unwrap(), n("-3"));
        assert_eq!(n("1250").round(-2, Rounding::HalfEven).unwrap(), n("1200"));
        assert_eq!(n("-12").modulo(&n("5")).unwrap(), n("3"));
    }
}
