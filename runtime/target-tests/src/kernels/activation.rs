//! int8 activations by their packed form (`kernels::lookup`: the 256-byte table of
//! RELU and LEAKY_RELU, the two bounds of RELU6) against the arithmetic, both into an
//! output and over the input in place: random requantizations, zero points and lengths
//! (up to 4000), starting at any byte (the word loops read unaligned).

use crate::buffers::Buffers;
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::in_place::{leaky_relu_s8_in_place, relu6_s8_in_place, relu_s8_in_place};
use tinyml_runtime::kernels::lookup::{lookup_s8_pack, LOOKUP_S8_WORDS};
use tinyml_runtime::kernels::relu::{leaky_relu_s8, relu6_s8, relu_s8, LeakyReluParams, Relu6Params, ReluParams};

/// One of the three operators with its parameters.
#[derive(Debug)]
enum Op {
    Relu(ReluParams),
    Relu6(Relu6Params),
    Leaky(LeakyReluParams),
}

impl Op {
    fn draw(rng: &mut Rng) -> Op {
        let (input_zero_point, output_zero_point) = (params::zero_point(rng), params::zero_point(rng));
        let (multiplier, shift) = params::one_requant(rng);
        match rng.int(0, 2) {
            0 => Op::Relu(ReluParams {
                multiplier,
                shift,
                input_zero_point,
                output_zero_point,
                activation_min: output_zero_point,
                activation_max: 127,
            }),
            1 => {
                let six = rng.int(input_zero_point, 127);
                Op::Relu6(Relu6Params { zero: input_zero_point, six })
            }
            _ => {
                let (multiplier_alpha, shift_alpha) = params::one_requant(rng);
                Op::Leaky(LeakyReluParams {
                    input_zero_point,
                    output_zero_point,
                    multiplier_identity: multiplier,
                    shift_identity: shift,
                    multiplier_alpha,
                    shift_alpha,
                })
            }
        }
    }

    fn run(&self, input: &[i8], packed: &[i32], output: &mut [i8]) {
        match self {
            Op::Relu(p) => relu_s8(p, input, packed, output),
            Op::Relu6(p) => relu6_s8(p, input, packed, output),
            Op::Leaky(p) => leaky_relu_s8(p, input, packed, output),
        }
    }

    fn run_in_place(&self, buf: &mut [i8], packed: &[i32]) {
        match self {
            Op::Relu(p) => relu_s8_in_place(p, buf, packed),
            Op::Relu6(p) => relu6_s8_in_place(p, buf, packed),
            Op::Leaky(p) => leaky_relu_s8_in_place(p, buf, packed),
        }
    }
}

/// Draws and checks one case.
pub fn run(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let op = Op::draw(rng);
    let mut table = [0i32; LOOKUP_S8_WORDS];
    let words = lookup_s8_pack(|x, y| op.run(x, &[], y), &mut table);
    let packed = &table[..words];
    let (start, n) = (rng.size(0, 3), rng.size(0, 4000));
    rng.fill_i8(&mut b.input[..start + n]);
    let input = &b.input[start..start + n];
    op.run(input, &[], &mut b.want[..n]);
    check::prepare(&b.want[..n], &mut b.got);
    op.run(input, packed, &mut b.got[..n]);
    check::guard(case, &op, &b.got, n);
    check::equal(case, "table", &op, &b.want[..n], &mut b.got[..n]);
    // In place, from the same unaligned start.
    check::prepare(&b.want[..start + n], &mut b.got);
    b.got[start..start + n].copy_from_slice(input);
    op.run_in_place(&mut b.got[start..start + n], packed);
    check::guard(case, &op, &b.got, start + n);
    check::equal(case, "table in place", &op, &b.want[..n], &mut b.got[start..start + n]);
    Outcome::Checked
}
