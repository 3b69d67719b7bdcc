//! A point on the map, as a proposal carries it.

use serde::{Deserialize, Serialize};

/// A point on the map (WGS 84 degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
}

impl Location {
    /// Latitude within ±90 and longitude within ±180 (NaN is neither).
    pub fn is_on_earth(&self) -> bool {
        (-90.0..=90.0).contains(&self.lat) && (-180.0..=180.0).contains(&self.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_points_on_earth_are_on_earth() {
        assert!(Location {
            lat: 43.2389,
            lon: 76.8897
        }
        .is_on_earth());
        assert!(Location {
            lat: -90.0,
            lon: 180.0
        }
        .is_on_earth());
        for (lat, lon) in [
            (90.01, 0.0),
            (0.0, -180.5),
            (f64::NAN, 0.0),
            (0.0, f64::INFINITY),
        ] {
            assert!(!Location { lat, lon }.is_on_earth(), "{lat} {lon}");
        }
    }
}
