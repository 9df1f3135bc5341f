//! One module per subcommand.

pub mod analyze;
pub mod boards;
pub mod convert;
pub mod doctor;
pub mod features;
pub mod flash;
pub mod new;
pub mod profile;
pub mod run;
pub mod validate;
