//! Exact rational numbers for every value that decides an outcome.
//!
//! The Method of Equal Shares and Phragmén divide money by vote weights again and again, so the
//! values that decide an outcome are fractions whose denominators keep growing (a voter's
//! remaining budget is `b − ρ₁u₁ − ρ₂u₂ − …`, and each ρ is itself a quotient of such sums). No
//! fixed width can be proven large enough for every election, and the reference tools disagree
//! with themselves when they round. So [`Q`] is exact in every case:
//!
//! * a fast representation, a reduced `Ratio<i128>`, is used while every operation's result fits
//!   (checked with `checked_*`; comparisons of two `Ratio<i128>` never overflow because
//!   num-rational compares by repeated division rather than by cross-multiplication);
//! * as soon as an operation would overflow, both operands are promoted to a `BigRational` and the
//!   operation is redone there. A `BigRational` never overflows.
//!
//! Both representations denote the same rational number, so the promotion never changes a
//! decision: it only costs time, and on the real Pabulib files it happens rarely (the README of
//! the fixtures notes up to 128-bit intermediates).

use num_bigint::BigInt;
use num_rational::{BigRational, Ratio};
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// An exact rational number (see the module docs for the two representations).
#[derive(Clone)]
pub enum Q {
    /// A reduced fraction small enough for `i128`.
    Small(Ratio<i128>),
    /// Any fraction; used once a result no longer fits `i128`.
    Big(BigRational),
}

impl Q {
    /// The integer `v`.
    pub fn int(v: i128) -> Q {
        Q::Small(Ratio::from_integer(v))
    }

    /// Zero.
    pub fn zero() -> Q {
        Q::int(0)
    }

    /// `num / den`; `den` must not be zero.
    pub fn frac(num: i128, den: i128) -> Q {
        assert!(den != 0, "zero denominator");
        Q::Small(Ratio::new(num, den))
    }

    fn big(&self) -> BigRational {
        match self {
            Q::Small(r) => Ratio::new_raw(BigInt::from(*r.numer()), BigInt::from(*r.denom())),
            Q::Big(b) => b.clone(),
        }
    }

    /// Shrink a big value back to the fast representation when it fits again.
    fn from_big(b: BigRational) -> Q {
        match (b.numer().to_i128(), b.denom().to_i128()) {
            (Some(n), Some(d)) => Q::Small(Ratio::new_raw(n, d)),
            _ => Q::Big(b),
        }
    }

    fn combine(
        &self,
        other: &Q,
        small: impl Fn(&Ratio<i128>, &Ratio<i128>) -> Option<Ratio<i128>>,
        big: impl Fn(BigRational, BigRational) -> BigRational,
    ) -> Q {
        if let (Q::Small(a), Q::Small(b)) = (self, other) {
            if let Some(r) = small(a, b) {
                return Q::Small(r);
            }
        }
        Q::from_big(big(self.big(), other.big()))
    }

    /// `self + other`.
    pub fn add(&self, other: &Q) -> Q {
        self.combine(other, |a, b| a.checked_add(b), |a, b| a + b)
    }

    /// `self − other`.
    pub fn sub(&self, other: &Q) -> Q {
        self.combine(other, |a, b| a.checked_sub(b), |a, b| a - b)
    }

    /// `self × other`.
    pub fn mul(&self, other: &Q) -> Q {
        self.combine(other, |a, b| a.checked_mul(b), |a, b| a * b)
    }

    /// `self ÷ other`; `other` must not be zero.
    pub fn div(&self, other: &Q) -> Q {
        assert!(!other.is_zero(), "division by zero");
        self.combine(other, |a, b| a.checked_div(b), |a, b| a / b)
    }

    /// `self × k` for an integer `k`.
    pub fn mul_int(&self, k: i128) -> Q {
        self.mul(&Q::int(k))
    }

    /// `self ÷ k` for a non-zero integer `k`.
    pub fn div_int(&self, k: i128) -> Q {
        self.div(&Q::int(k))
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        match self {
            Q::Small(r) => r.is_zero(),
            Q::Big(b) => b.is_zero(),
        }
    }

    /// Whether the value is strictly negative.
    pub fn is_negative(&self) -> bool {
        match self {
            Q::Small(r) => r.is_negative(),
            Q::Big(b) => b.is_negative(),
        }
    }

    /// The largest integer not above the value, if it fits `i128`.
    pub fn floor_i128(&self) -> Option<i128> {
        match self {
            // Reduced fractions keep a positive denominator.
            Q::Small(r) => Some(r.numer().div_euclid(*r.denom())),
            Q::Big(b) => b.floor().to_integer().to_i128(),
        }
    }

    /// `(⌊x·2^shift⌋, ⌈x·2^shift⌉)` for this value `x`, if both fit `i128`. Without allocating
    /// while `x` is small: the filtered kernel calls this at every run.
    pub fn floor_ceil_scaled_i128(&self, shift: u32) -> Option<(i128, i128)> {
        if let (Q::Small(r), true) = (self, shift <= 126) {
            if let Some(n) = r.numer().checked_mul(&(1i128 << shift)) {
                // Reduced fractions keep a positive denominator.
                let d = *r.denom();
                let lo = n.div_euclid(d);
                let hi = if n.rem_euclid(d) == 0 { lo } else { lo + 1 };
                return Some((lo, hi));
            }
        }
        let b = self.big() * BigRational::from_integer(BigInt::one() << shift);
        Some((
            b.floor().to_integer().to_i128()?,
            b.ceil().to_integer().to_i128()?,
        ))
    }

    /// Numerator and denominator as decimal strings (denominator positive, fraction reduced).
    pub fn parts(&self) -> (String, String) {
        match self {
            Q::Small(r) => (r.numer().to_string(), r.denom().to_string()),
            Q::Big(b) => (b.numer().to_string(), b.denom().to_string()),
        }
    }

    /// The value divided by `10^scale`, rounded half away from zero to `digits` decimals.
    ///
    /// Only for display: no decision ever reads this string.
    pub fn to_decimal(&self, scale: u32, digits: u32) -> String {
        // A trace shows four such values per round: machine integers when they fit.
        if let Q::Small(r) = self {
            if let Some(rounded) = round_small(*r.numer(), *r.denom(), scale, digits) {
                return fixed_point(rounded < 0, rounded.unsigned_abs().to_string(), digits);
            }
        }
        self.to_decimal_big(scale, digits)
    }

    fn to_decimal_big(&self, scale: u32, digits: u32) -> String {
        let b = self.big();
        let ten = BigInt::from(10);
        let denom_shift = num_traits::pow(ten.clone(), scale as usize);
        let mul = num_traits::pow(ten, digits as usize);
        let scaled = b * BigRational::from_integer(mul) / BigRational::from_integer(denom_shift);
        let half = BigRational::new(BigInt::one(), BigInt::from(2));
        let rounded = if scaled.is_negative() {
            -((-scaled) + half).floor().to_integer()
        } else {
            (scaled + half).floor().to_integer()
        };
        format_fixed(&rounded, digits)
    }
}

/// `num/den / 10^scale` in units of `10^-digits`, rounded half away from zero, when every step
/// fits 128 bits (`den > 0`, as a reduced `Ratio` keeps it).
fn round_small(num: i128, den: i128, scale: u32, digits: u32) -> Option<i128> {
    let x = num
        .unsigned_abs()
        .checked_mul(10u128.checked_pow(digits)?)?;
    let y = den.unsigned_abs().checked_mul(10u128.checked_pow(scale)?)?;
    // floor(x/y + 1/2) = floor((2x + y) / 2y)
    let q = x.checked_mul(2)?.checked_add(y)? / y.checked_mul(2)?;
    let q = i128::try_from(q).ok()?;
    Some(if num < 0 { -q } else { q })
}

/// Writes the integer `v` as a decimal with `digits` digits after the point.
pub(crate) fn format_fixed(v: &BigInt, digits: u32) -> String {
    fixed_point(v.is_negative(), v.abs().to_string(), digits)
}

/// `-`, when `negative`, and the decimal digits `abs` with a point `digits` places from the right.
fn fixed_point(negative: bool, mut abs: String, digits: u32) -> String {
    let sign = if negative { "-" } else { "" };
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let digits = digits as usize;
    if abs.len() <= digits {
        abs = format!("{}{}", "0".repeat(digits + 1 - abs.len()), abs);
    }
    let (int, frac) = abs.split_at(abs.len() - digits);
    format!("{sign}{int}.{frac}")
}

impl PartialEq for Q {
    fn eq(&self, other: &Q) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Q {}

impl PartialOrd for Q {
    fn partial_cmp(&self, other: &Q) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Q {
    fn cmp(&self, other: &Q) -> Ordering {
        match (self, other) {
            (Q::Small(a), Q::Small(b)) => a.cmp(b),
            _ => self.big().cmp(&other.big()),
        }
    }
}

impl fmt::Debug for Q {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, d) = self.parts();
        if d == "1" {
            write!(f, "{n}")
        } else {
            write!(f, "{n}/{d}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotes_to_big_and_stays_exact() {
        let big = Q::int(i128::MAX / 2);
        let sum = big.add(&big).add(&big);
        assert!(matches!(sum, Q::Big(_)));
        let back = sum.sub(&big).sub(&big);
        assert_eq!(back, big);
        assert!(matches!(back, Q::Small(_)));
    }

    #[test]
    fn compares_without_overflow() {
        let a = Q::frac(i128::MAX - 1, i128::MAX - 2);
        let b = Q::frac(i128::MAX - 2, i128::MAX - 3);
        assert!(a < b);
    }

    #[test]
    fn decimal_rendering_rounds_half_up() {
        assert_eq!(Q::frac(1, 3).to_decimal(0, 4), "0.3333");
        assert_eq!(Q::frac(2, 3).to_decimal(0, 2), "0.67");
        assert_eq!(Q::int(12345).to_decimal(2, 2), "123.45");
        assert_eq!(Q::frac(-1, 8).to_decimal(0, 2), "-0.13");
        assert_eq!(Q::int(5).to_decimal(0, 0), "5");
        assert_eq!(Q::frac(-1, 1000).to_decimal(0, 2), "0.00");
        assert_eq!(Q::frac(-5, 1000).to_decimal(0, 2), "-0.01");
        assert_eq!(
            Q::int(i128::MAX).to_decimal(0, 6),
            format!("{}.000000", i128::MAX)
        );
    }

    proptest::proptest! {
        /// The machine-integer rendering is the big-rational one wherever it applies.
        #[test]
        fn small_decimals_render_like_big_ones(
            num in proptest::prop_oneof![-2_000i128..2_000, proptest::num::i128::ANY],
            den in proptest::prop_oneof![1i128..2_000, 1i128..=i128::MAX],
            scale in 0u32..40,
            digits in 0u32..40,
        ) {
            let q = Q::frac(num, den);
            proptest::prop_assert_eq!(q.to_decimal(scale, digits), q.to_decimal_big(scale, digits));
        }
    }
}
