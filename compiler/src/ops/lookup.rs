//! The table form of the int8 activations that run alone (RELU, RELU6, LEAKY_RELU,
//! HARD_SWISH in `relu.rs`, LOGISTIC and TANH in `logistic.rs`): the runtime's
//! `kernels::lookup` packs it, this is the one place the lowering calls it.

use tinyml_runtime::kernels::lookup::{lookup_s8_pack, LOOKUP_S8_WORDS};

/// The table form of an int8 operator whose output byte depends on its input byte alone
/// ([`lookup_s8_pack`] over `kernel`, its reference arithmetic), as the words to emit:
/// empty when none is written.
pub(crate) fn lookup_table(kernel: impl FnOnce(&[i8], &mut [i8])) -> Vec<i32> {
    let mut packed = vec![0; LOOKUP_S8_WORDS];
    let words = lookup_s8_pack(kernel, &mut packed);
    packed.truncate(words);
    packed
}
