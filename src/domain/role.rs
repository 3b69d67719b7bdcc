//! Account roles.

use super::string_enum::string_enum;

string_enum! {
    /// The one role an account has.
    pub enum Role ("role") {
        PlatformAdmin => "platform_admin",
        MunicipalityAdmin => "municipality_admin",
        Official => "official",
        Auditor => "auditor",
        Resident => "resident",
    }
}

impl Role {
    /// Every role but the platform admin belongs to exactly one municipality.
    pub const fn belongs_to_municipality(self) -> bool {
        !matches!(self, Role::PlatformAdmin)
    }

    /// Staff of a municipality: the accounts a municipality admin creates and disables.
    pub const fn is_municipality_staff(self) -> bool {
        matches!(
            self,
            Role::MunicipalityAdmin | Role::Official | Role::Auditor
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_snake_case() {
        let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            [
                "platform_admin",
                "municipality_admin",
                "official",
                "auditor",
                "resident"
            ]
        );
        assert_eq!(
            serde_json::to_string(&Role::MunicipalityAdmin).unwrap(),
            "\"municipality_admin\""
        );
        assert_eq!("auditor".parse::<Role>().unwrap(), Role::Auditor);
        assert!("admin".parse::<Role>().is_err());
        assert!("Resident".parse::<Role>().is_err());
    }

    #[test]
    fn only_the_platform_admin_floats_above_municipalities() {
        for role in Role::ALL {
            assert_eq!(role.belongs_to_municipality(), *role != Role::PlatformAdmin);
        }
        assert!(Role::Official.is_municipality_staff());
        assert!(!Role::Resident.is_municipality_staff());
        assert!(!Role::PlatformAdmin.is_municipality_staff());
    }
}
