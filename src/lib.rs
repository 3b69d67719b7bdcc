//! Kurultai: participatory budgeting for the municipalities of the Turkic states.
pub mod pabulib;
pub mod tally;
