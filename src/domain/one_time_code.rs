//! Single-use codes handed to one person, by purpose: what each looks like, how long it lives,
//! and the keyed hash it is stored under (the service draws and redeems them,
//! `service::one_time_codes`).
//!
//! Two shapes:
//! - a **link** token (256 random bits, base64url) travels inside a URL in an e-mail; it is
//!   looked up by its hash alone;
//! - a **typed** code (50 bits, `7XK2M-Q4TZ9`, the receipt's forgiving alphabet) is read off a
//!   letter, a counter slip or an e-mail and typed in. 50 bits are few to look up alone, so
//!   its hash binds the account it was issued to: the person names their account (logged in,
//!   or by national ID) and the code is tried against that account only, under a throttle.

use chrono::Duration;

use super::ids::AccountId;
use super::receipt_code::CodeFormat;
use super::string_enum::string_enum;
use super::Pepper;

string_enum! {
    /// What a single-use code lets its holder do.
    pub enum CodePurpose ("code purpose") {
        /// Set a new password from the link in a recovery e-mail.
        PasswordResetLink => "password_reset_link",
        /// Set a new password with the code an official handed over at the counter.
        PasswordResetCounter => "password_reset_counter",
        /// Set a staff account's first password from the link in an invitation.
        StaffInvitation => "staff_invitation",
        /// Prove an e-mail address is one's own, with the code sent to it.
        EmailVerification => "email_verification",
        /// Prove one's registration with the code an official posted or handed over.
        LetterVerification => "letter_verification",
        /// Take the session a sign-in through the municipality's identity provider opened
        /// (the callback hands it to the web client in the page's address, never our tokens).
        ProviderSignIn => "provider_sign_in",
    }
}

/// How a code reaches its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeShape {
    /// Inside a link; looked up by its hash alone.
    Link,
    /// Typed by a person; tried against one named account.
    Typed,
}

/// The typed codes' format: two groups of five, 50 bits.
pub const TYPED: CodeFormat = CodeFormat { groups: 2 };

/// A link token's random bytes.
pub const LINK_BYTES: usize = 32;

impl CodePurpose {
    pub fn shape(self) -> CodeShape {
        match self {
            Self::PasswordResetLink | Self::StaffInvitation | Self::ProviderSignIn => {
                CodeShape::Link
            }
            Self::PasswordResetCounter | Self::EmailVerification | Self::LetterVerification => {
                CodeShape::Typed
            }
        }
    }

    /// How long a code stays good. Links in e-mail are short-lived (a mailbox is read by more
    /// than its owner over the years); an invitation waits a week for a new colleague; a
    /// counter code an afternoon; a letter the weeks the post and the resident take.
    pub fn lifetime(self) -> Duration {
        match self {
            Self::PasswordResetLink => Duration::minutes(30),
            Self::EmailVerification => Duration::minutes(30),
            Self::PasswordResetCounter => Duration::hours(24),
            Self::StaffInvitation => Duration::days(7),
            Self::LetterVerification => Duration::days(60),
            // The web client posts it the moment the page loads.
            Self::ProviderSignIn => Duration::minutes(2),
        }
    }
}

/// The key a code is stored under: `HMAC(pepper, "one-time-code" ‖ purpose ‖ account ‖ code)`,
/// with the account only for typed codes (a link is looked up without one). `code` is the
/// canonical form ([`canonical`]).
pub fn code_hash(
    pepper: &Pepper,
    purpose: CodePurpose,
    account: Option<&AccountId>,
    code: &str,
) -> String {
    let account = account.map(AccountId::as_str).unwrap_or("");
    pepper.mac(&[
        b"one-time-code\0",
        purpose.as_str().as_bytes(),
        b"\0",
        account.as_bytes(),
        b"\0",
        code.as_bytes(),
    ])
}

/// The canonical form of a code as its holder sent it, or `None` if it cannot be one of this
/// purpose's codes: a typed code forgives case, spaces, dashes and look-alike letters; a link
/// token must be exactly base64url of [`LINK_BYTES`] bytes.
pub fn canonical(purpose: CodePurpose, input: &str) -> Option<String> {
    match purpose.shape() {
        CodeShape::Typed => TYPED.normalise(input),
        CodeShape::Link => {
            let ok = input.len() == (LINK_BYTES * 4).div_ceil(3)
                && input
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            ok.then(|| input.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pepper() -> Pepper {
        Pepper::new([3u8; 32]).unwrap()
    }

    #[test]
    fn links_and_typed_codes_by_purpose() {
        use CodePurpose::*;
        for p in [PasswordResetLink, StaffInvitation, ProviderSignIn] {
            assert_eq!(p.shape(), CodeShape::Link);
        }
        // The provider sign-in's code only crosses from the callback to the page.
        assert!(ProviderSignIn.lifetime() <= Duration::minutes(2));
        for p in [PasswordResetCounter, EmailVerification, LetterVerification] {
            assert_eq!(p.shape(), CodeShape::Typed);
        }
        assert!(PasswordResetLink.lifetime() <= Duration::hours(1));
        assert!(LetterVerification.lifetime() > Duration::days(14));
    }

    #[test]
    fn a_typed_code_forgives_how_it_is_typed() {
        let code = TYPED.encode(0x3_ffff_ffff_ffff);
        assert_eq!(code.len(), 11);
        let sloppy = code.to_lowercase().replace('-', " ");
        let purpose = CodePurpose::LetterVerification;
        assert_eq!(canonical(purpose, &sloppy).as_deref(), Some(code.as_str()));
        assert_eq!(canonical(purpose, "ABCDE"), None);
        assert_eq!(canonical(purpose, &format!("{code}0")), None);
        assert_eq!(canonical(purpose, ""), None);
    }

    #[test]
    fn a_link_token_is_exact() {
        let token = "A".repeat(43);
        let purpose = CodePurpose::PasswordResetLink;
        assert_eq!(canonical(purpose, &token).as_deref(), Some(token.as_str()));
        assert_eq!(canonical(purpose, &"A".repeat(42)), None);
        assert_eq!(canonical(purpose, &format!("{}=", "A".repeat(42))), None);
        assert_eq!(canonical(purpose, &format!("{} ", "A".repeat(42))), None);
    }

    #[test]
    fn the_hash_binds_purpose_account_and_code() {
        let p = pepper();
        let a = AccountId::new();
        let b = AccountId::new();
        let purpose = CodePurpose::LetterVerification;
        let h = code_hash(&p, purpose, Some(&a), "ABCDE-12345");
        assert_eq!(h, code_hash(&p, purpose, Some(&a), "ABCDE-12345"));
        assert_ne!(h, code_hash(&p, purpose, Some(&b), "ABCDE-12345"));
        assert_ne!(
            h,
            code_hash(&p, CodePurpose::EmailVerification, Some(&a), "ABCDE-12345")
        );
        assert_ne!(h, code_hash(&p, purpose, Some(&a), "ABCDE-12346"));
        assert_ne!(
            h,
            code_hash(
                &Pepper::new([4u8; 32]).unwrap(),
                purpose,
                Some(&a),
                "ABCDE-12345"
            )
        );
        assert!(!h.contains("ABCDE"));
    }
}
