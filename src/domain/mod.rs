//! Pure domain types: they hold the program's rules and refuse invalid states at construction
//! ("parse, don't validate"). Nothing here knows HTTP, SQL or JSON-LD.

pub mod attempt;
pub mod catalog;
pub mod colour;
pub mod exam;
pub mod ids;
pub mod role;
pub mod status;
pub mod validity;
pub mod webhook;
