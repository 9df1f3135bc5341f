//! One module per subcommand.

pub mod boards;
pub mod doctor;
pub mod new;
pub mod run;
