//! File formats the tools read and write: NumPy `.npy` arrays ([`npy`]) and WAV audio
//! ([`wav`]).

pub mod npy;
pub mod wav;
