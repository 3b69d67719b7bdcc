//! Passwords: the NIST SP 800-63B §5.1.1.2 policy for choosing one, and argon2id hashing in
//! PHC strings with upgrade-on-login.
//!
//! Policy: at least 12 characters (Unicode scalar values, after NFKC normalisation as 800-63B
//! recommends), at most 256 (argon2 hashes any length, but unbounded input is free CPU for an
//! attacker), no composition rules, not on a list of common passwords, not repetitive or
//! sequential, and not containing the account's e-mail local part.
//!
//! Hashing and verifying take ~20–50 ms of CPU by design: callers run them on a blocking
//! thread, never on an async worker.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;
/// Context words shorter than this are not checked: every password "contains" `a` or `jo`.
const MIN_CONTEXT_CHARS: usize = 4;
/// No policy-conforming password is longer in UTF-8 (256 scalar values × 4 bytes); verifying
/// anything longer is refused before hashing.
const MAX_BYTES: usize = MAX_CHARS * 4;

/// OWASP Password Storage Cheat Sheet's first argon2id configuration: m = 19456 KiB (19 MiB),
/// t = 2, p = 1. Raising these makes [`verify`] report `needs_rehash` for older hashes.
pub const M_COST_KIB: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;
pub const OUTPUT_LEN: usize = 32;

/// Common passwords of at least 12 characters, lower-cased and NFKC-normalised, one a line.
/// Sources and licences (zxcvbn and @zxcvbn-ts, MIT; Django, BSD-3-Clause) are in
/// `common-passwords.NOTICE.md` beside this file. Shorter entries are left out because the
/// length rule refuses them anyway.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect())
}

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PasswordPolicyError {
    #[error("the password must have at least {min} characters")]
    TooShort { min: usize },
    #[error("the password must have at most {max} characters")]
    TooLong { max: usize },
    #[error("this password is too common; choose one that others are unlikely to use")]
    TooCommon,
    #[error("the password is too simple: avoid repeated or sequential characters")]
    TooSimple,
    #[error("the password must not contain your e-mail address or its name part")]
    ContainsEmail,
}

impl PasswordPolicyError {
    /// Stable API code.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordPolicyError::TooShort { .. } => "password_too_short",
            PasswordPolicyError::TooLong { .. } => "password_too_long",
            PasswordPolicyError::TooCommon => "password_too_common",
            PasswordPolicyError::TooSimple => "password_too_simple",
            PasswordPolicyError::ContainsEmail => "password_contains_email",
        }
    }
}

impl crate::domain::Coded for PasswordPolicyError {
    fn code(&self) -> &'static str {
        PasswordPolicyError::code(self)
    }
}

/// Failures of hashing or verifying that are the server's problem, not the user's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordHashError {
    /// The stored string is not a PHC string.
    #[error("stored password hash is malformed")]
    Malformed,
    /// A PHC string of an algorithm we cannot verify (e.g. bcrypt, scrypt).
    #[error("stored password hash uses an unsupported algorithm")]
    UnsupportedAlgorithm,
    #[error("password hashing failed: {0}")]
    Internal(String),
}

/// A password that satisfies the policy, NFKC-normalised. `Debug` is redacted.
#[derive(Clone)]
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// NFKC makes the many ways to type one string (composed `é` or `e` + combining accent,
/// full-width letters) hash the same.
fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

impl NewPassword {
    /// Checks a password chosen for the account with `email` (pass `None` if there is none).
    pub fn parse(password: &str, email: Option<&str>) -> Result<Self, PasswordPolicyError> {
        // Cheap bound before normalising: NFKC can grow a string, but not from under 256
        // scalars to over 4 KiB of input.
        if password.len() > MAX_BYTES * 4 {
            return Err(PasswordPolicyError::TooLong { max: MAX_CHARS });
        }
        let normalised = normalise(password);
        let chars = normalised.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordPolicyError::TooShort { min: MIN_CHARS });
        }
        if chars > MAX_CHARS {
            return Err(PasswordPolicyError::TooLong { max: MAX_CHARS });
        }
        let lower = normalised.to_lowercase();
        let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
        let common = common_passwords();
        if common.contains(lower.as_str()) || common.contains(squeezed.as_str()) {
            return Err(PasswordPolicyError::TooCommon);
        }
        if is_repetitive_or_sequential(&lower) {
            return Err(PasswordPolicyError::TooSimple);
        }
        if let Some(email) = email {
            if context_words(email)
                .iter()
                .any(|w| lower.contains(w.as_str()))
            {
                return Err(PasswordPolicyError::ContainsEmail);
            }
        }
        Ok(NewPassword(normalised))
    }
}

/// At most three distinct characters (`aaaa…`, `abab…`, `abcabc…`), or one constant step
/// between neighbours (`abcdefghijkl`, `987654321098` fails at the wrap, `zyxwv…`).
fn is_repetitive_or_sequential(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let distinct: HashSet<char> = chars.iter().copied().collect();
    if distinct.len() <= 3 {
        return true;
    }
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
        .collect();
    steps.windows(2).all(|w| w[0] == w[1]) && matches!(steps.first(), Some(1 | -1))
}

/// The words of an e-mail address a password must not contain: the whole local part and, for
/// `name+tag@…`, the part before the tag; lower-cased, and only if long enough to mean
/// something.
fn context_words(email: &str) -> Vec<String> {
    let local = email.rsplit_once('@').map_or(email, |(l, _)| l);
    let local = normalise(local).to_lowercase();
    let mut words = vec![local.clone()];
    if let Some((base, _)) = local.split_once('+') {
        words.push(base.to_owned());
    }
    words.retain(|w| w.chars().count() >= MIN_CONTEXT_CHARS);
    words
}

fn current_params() -> Params {
    Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN))
        .expect("the built-in argon2 parameters are valid")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, current_params())
}

/// Hashes with argon2id at the current parameters and a fresh 128-bit salt; returns the PHC
/// string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &NewPassword) -> Result<String, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.0.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordHashError::Internal(e.to_string()))
}

/// Hashes a password the user just proved they know, to replace a weaker stored hash. No
/// policy check: the password was accepted under an earlier policy, and refusing it now would
/// lock its owner out at login.
pub fn rehash(password: &str) -> Result<String, PasswordHashError> {
    hash(&NewPassword(normalise(password)))
}

/// The outcome of a password check against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password matches.
    pub ok: bool,
    /// The password matches and the stored hash is weaker than what [`hash`] makes now (other
    /// algorithm or version, lower memory, iterations, lanes or output length): store a new
    /// hash of the password the user just gave.
    pub needs_rehash: bool,
}

impl Verification {
    pub const FAILED: Verification = Verification {
        ok: false,
        needs_rehash: false,
    };
}

/// Checks `password` against a stored PHC string. Any argon2 variant verifies (so hashes made
/// with older settings keep working); other algorithms are an error.
pub fn verify(password: &str, phc: &str) -> Result<Verification, PasswordHashError> {
    let parsed = PasswordHash::new(phc).map_err(|_| PasswordHashError::Malformed)?;
    let algorithm = Algorithm::try_from(parsed.algorithm)
        .map_err(|_| PasswordHashError::UnsupportedAlgorithm)?;
    let params = Params::try_from(&parsed).map_err(|_| PasswordHashError::Malformed)?;
    if password.len() > MAX_BYTES {
        // Cannot be a policy-conforming password; refuse without the expensive work. The
        // dummy path does the same, so this says nothing about whether the account exists.
        return Ok(Verification::FAILED);
    }
    let normalised = normalise(password);
    let ok = match Argon2::default().verify_password(normalised.as_bytes(), &parsed) {
        Ok(()) => true,
        Err(argon2::password_hash::Error::Password) => false,
        Err(e) => return Err(PasswordHashError::Internal(e.to_string())),
    };
    let version_ok = parsed
        .version
        .is_none_or(|v| v == u32::from(Version::V0x13));
    let weaker = algorithm != Algorithm::Argon2id
        || !version_ok
        || params.m_cost() < M_COST_KIB
        || params.t_cost() < T_COST
        || params.p_cost() < P_COST
        || params.output_len().unwrap_or(OUTPUT_LEN) < OUTPUT_LEN;
    Ok(Verification {
        ok,
        needs_rehash: ok && weaker,
    })
}

/// A hash of a random password at the current parameters, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = crate::auth::refresh::RefreshToken::generate();
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(random.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            // Hashing a 43-byte password with valid parameters cannot fail; should it, an
            // empty string makes `verify_dummy` fail fast instead of panicking a login.
            .unwrap_or_default()
    })
}

/// Makes the allocator give each hash's 19 MiB back to the system once the hash is done. glibc
/// serves a block that large with a mapping of its own only until the first one is freed; then
/// it raises its threshold to that size and serves the next ones from the thread's arena, which
/// keeps them. With the blocking pool's many threads (each with an arena) the server grew past a
/// gigabyte after a few hundred logins and stayed there. A fixed threshold keeps every large
/// block a mapping of its own. Call once at start-up.
pub fn return_hash_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator, to a value glibc accepts
    // (anything up to 32 MiB on 64-bit); it is thread-safe.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Makes the dummy hash now, so the first failed login after start-up is not slower than the
/// rest. Call once at start-up (on a blocking thread).
pub fn prepare_dummy_hash() {
    let _ = dummy_hash();
}

/// Spends the same work as [`verify`] on a real hash, for a login whose account does not exist,
/// so that timing does not tell whether an account exists. Always `false`.
pub fn verify_dummy(password: &str) -> bool {
    let _ = verify(password, dummy_hash());
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(p: &str) -> Result<(), &'static str> {
        NewPassword::parse(p, Some("aigerim.nurlanovna+pb@example.kz"))
            .map(|_| ())
            .map_err(|e| e.code())
    }

    #[test]
    fn length_counts_unicode_scalar_values() {
        assert_eq!(policy("kısa şifre"), Err("password_too_short"));
        assert_eq!(policy("ğüşiöçĞÜŞİÖ"), Err("password_too_short")); // 11 chars, 22 bytes
        assert_eq!(policy("ğüşiöçĞÜŞİÖÇ"), Ok(())); // 12 chars
        assert_eq!(policy(&"qwe rty uio p ".repeat(18)), Ok(())); // 252 chars
        assert_eq!(policy(&"x1y2z3w4".repeat(33)), Err("password_too_long")); // 264
        assert_eq!(policy(&"ж".repeat(100_000)), Err("password_too_long"));
    }

    #[test]
    fn no_composition_rules() {
        assert_eq!(policy("correct horse battery staple"), Ok(()));
        assert_eq!(policy("тенге бюджет парк"), Ok(()));
        assert_eq!(policy("bizim mahalleye bir park"), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_case_insensitively() {
        for p in [
            "PasswordPassword",
            "1qaz2wsx3edc",
            "QAZWSXEDCRFV",
            "Sonyericsson",
            "qwertyuiop123",
            "password password",
        ] {
            assert_eq!(policy(p), Err("password_too_common"), "{p}");
        }
    }

    #[test]
    fn common_password_list_is_well_formed() {
        let set = common_passwords();
        assert!(set.len() > 300);
        for p in set {
            assert!(p.chars().count() >= MIN_CHARS, "{p}");
            assert_eq!(*p, p.to_lowercase(), "{p}");
        }
    }

    #[test]
    fn repetitive_and_sequential_passwords_are_refused() {
        for p in [
            "zzzzzzzzzzzzzz",
            "abababababab",
            "abcabcabcabc",
            "abcdefghijklm",
            "ponmlkjihgfedc",
        ] {
            assert_eq!(policy(p), Err("password_too_simple"), "{p}");
        }
    }

    #[test]
    fn email_local_part_is_refused() {
        assert_eq!(
            policy("aigerim.nurlanovna+pb"),
            Err("password_contains_email")
        );
        assert_eq!(
            policy("my name is Aigerim.Nurlanovna!"),
            Err("password_contains_email")
        );
        assert_eq!(
            policy("AIGERIM.NURLANOVNA 2027"),
            Err("password_contains_email")
        );
        // A short local part is not a meaningful context word.
        assert!(NewPassword::parse("a cat and a dog walk", Some("a@b.kz")).is_ok());
        assert!(NewPassword::parse("a cat and a dog walk", None).is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let p = NewPassword::parse("correct horse battery staple", None).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn hash_and_verify_round_trip_with_current_parameters() {
        let p = NewPassword::parse("correct horse battery staple", None).unwrap();
        let phc = hash(&p).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_eq!(
            verify("correct horse battery staple", &phc).unwrap(),
            Verification {
                ok: true,
                needs_rehash: false
            }
        );
        assert_eq!(
            verify("correct horse battery stable", &phc).unwrap(),
            Verification::FAILED
        );
        // Two hashes of one password differ (fresh salt).
        assert_ne!(phc, hash(&p).unwrap());
    }

    #[test]
    fn equivalent_unicode_spellings_verify() {
        let composed = "café au lait ölçüsü"; // precomposed é, ö, ç, ü
        let decomposed = "cafe\u{301} au lait o\u{308}lc\u{327}u\u{308}su\u{308}";
        let phc = hash(&NewPassword::parse(composed, None).unwrap()).unwrap();
        assert!(verify(decomposed, &phc).unwrap().ok);
    }

    fn hash_with(algorithm: Algorithm, m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, Some(32)).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(algorithm, Version::V0x13, params)
            .hash_password(b"old but gold password", &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn weaker_hashes_verify_and_ask_for_a_rehash() {
        for phc in [
            hash_with(Algorithm::Argon2id, 4096, 3, 1),
            hash_with(Algorithm::Argon2id, M_COST_KIB, 1, 1),
            hash_with(Algorithm::Argon2i, M_COST_KIB, T_COST, P_COST),
            hash_with(Algorithm::Argon2d, M_COST_KIB, T_COST, P_COST),
        ] {
            let v = verify("old but gold password", &phc).unwrap();
            assert_eq!(
                v,
                Verification {
                    ok: true,
                    needs_rehash: true
                },
                "{phc}"
            );
            // A wrong password never asks for a rehash.
            assert_eq!(
                verify("old but bold password", &phc).unwrap(),
                Verification::FAILED
            );
        }
        // Stronger than current: fine as it is.
        let stronger = hash_with(Algorithm::Argon2id, M_COST_KIB * 2, 3, 1);
        assert!(
            !verify("old but gold password", &stronger)
                .unwrap()
                .needs_rehash
        );
    }

    #[test]
    fn bad_stored_hashes_are_errors() {
        assert_eq!(verify("x", "not a hash"), Err(PasswordHashError::Malformed));
        assert_eq!(
            verify(
                "x",
                "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
            ),
            Err(PasswordHashError::Malformed) // bcrypt's format is not PHC
        );
        assert_eq!(
            verify("x", "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"),
            Err(PasswordHashError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn overlong_input_is_refused_without_hashing() {
        let phc = hash(&NewPassword::parse("correct horse battery staple", None).unwrap()).unwrap();
        assert_eq!(
            verify(&"a".repeat(MAX_BYTES + 1), &phc).unwrap(),
            Verification::FAILED
        );
    }

    #[test]
    fn dummy_verification_does_the_same_work_as_a_real_one() {
        // Equal cost follows from equal work: the same algorithm, version, parameters and
        // output length as a real hash, and a full verification (not a shortcut) against it.
        // Timings are measured in docs/performance.md, not asserted here.
        prepare_dummy_hash();
        let phc = hash(&NewPassword::parse("correct horse battery staple", None).unwrap()).unwrap();
        let params = |s: &str| {
            let parsed = PasswordHash::new(s).unwrap();
            (
                parsed.algorithm.to_string(),
                parsed.version,
                Params::try_from(&parsed).unwrap(),
                parsed.hash.map(|h| h.len()),
            )
        };
        assert_eq!(params(dummy_hash()), params(&phc));
        assert!(!verify_dummy("wrong password here"));
    }
}
