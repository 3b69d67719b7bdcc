//! Pure domain types: the values a municipality is configured with and the national IDs its
//! residents register with. Nothing here touches the database, HTTP or the clock unless a
//! function says so in its name; everything is parsed once at the edge ("parse, don't
//! validate") so that code holding one of these types never has to check it again.

pub mod audit_chain;
pub mod budget;
pub mod closed_sets;
pub mod country;
pub mod currency;
pub mod cycle;
pub mod field_error;
pub mod file_name;
pub mod ids;
pub mod language;
pub mod location;
pub mod mail;
pub mod national_id;
pub mod one_time_code;
pub mod policy;
pub mod receipt_code;
pub mod role;
pub mod selection;
pub mod settings;
pub mod slug;
pub mod status;
pub mod text;
pub mod texts;
pub mod time_zone;
pub mod translations;
pub mod verification;

mod string_enum;

pub use country::{Country, CountryDefaults, CountryError};
pub use currency::{Currency, CurrencyError};
pub use field_error::{Coded, FieldError, ValidationErrors};
pub use ids::{
    AccountId, BallotId, BudgetId, CycleId, DistrictId, MunicipalityId, ProposalId, SessionId,
};
pub use language::{LanguageTag, LanguageTagError};
pub use location::Location;
pub use national_id::{
    CheckDigitPolicy, NationalId, NationalIdError, NationalIdScheme, NationalIdWarning, Pepper,
    PepperError,
};
pub use policy::{RegistrationPolicy, RevotePolicy};
pub use role::Role;
pub use settings::{age_on, MunicipalitySettings, ProposalCategory, SettingsInput, SettingsWire};
pub use slug::{Slug, SlugError};
pub use status::{AccountStatus, ProposalStatus, ResidentStatus};
pub use string_enum::UnknownVariant;
pub use texts::Texts;
pub use time_zone::{TimeZoneError, TimeZoneName};
pub use translations::Translations;
pub use verification::{Methods, VerificationMethod};
