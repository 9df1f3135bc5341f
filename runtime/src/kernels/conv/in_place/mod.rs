//! Convolutions whose windows are read in place from the input: on Helium those whose
//! arena has no scratch for the im2col column (`k <= IN_PLACE_COLUMN`, the planner's
//! minimum of nothing), without Helium every one but the pointwise (faster there than
//! the column at every window size). The kernel holds no column (nor any other copy of
//! layer data) on the stack either.
//! The two cores read differently, each as its instructions favour: Helium gathers a
//! window's bytes into vector lanes and counts the lanes outside the image as the input
//! zero point against the folded biases (`helium.rs`); without Helium, DSP dot products
//! run along each filter row's bytes and a clipped window takes only its taps inside with
//! the layer's own biases, the reference's arithmetic (`dsp.rs`).

#[cfg(not(tinyml_mve))]
mod dsp;
#[cfg(tinyml_mve)]
mod helium;

#[cfg(not(tinyml_mve))]
pub(super) use dsp::conv_in_place;
#[cfg(tinyml_mve)]
pub(super) use helium::{Context, InPlace};
