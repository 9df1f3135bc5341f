#!/usr/bin/env python3
"""Generate audio/src/tables.rs from the TFLM audio preprocessor model.

    gen_tables.py PREPROCESSOR.tflite > audio/src/tables.rs

The window, filter bank and PCAN gain tables of the micro_speech front end are the
constant tensors of audio_preprocessor_int8.tflite, and the scalar parameters are the
signal ops' custom options. The test `audio/tests/frontend.rs` re-extracts them
(reference_features.py --params) and compares them with the Rust constants.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_features import params  # noqa: E402


def rust_array(name, ty, values, doc):
    lines = [f"/// {doc}", f"pub const {name}: [{ty}; {len(values)}] = ["]
    for i in range(0, len(values), 16):
        lines.append("    " + ", ".join(str(v) for v in values[i : i + 16]) + ",")
    lines.append("];")
    return "\n".join(lines)


def main():
    p = params(sys.argv[1])
    win = p["SignalWindow"]
    fb = p["SignalFilterBank"]
    ss = p["SignalFilterBankSpectralSubtraction"]["options"]
    pcan = p["SignalPCAN"]
    log = p["SignalFilterBankLog"]["options"]
    energy = p["SignalEnergy"]["options"]
    rfft = p["SignalRfft"]["options"]
    out = [
        "//! Constant tables of the micro_speech front end, extracted from",
        "//! `audio_preprocessor_int8.tflite` by `tools/audio/gen_tables.py` (do not edit by",
        "//! hand; `audio/tests/frontend.rs` checks them against the model).",
        "#![allow(clippy::unreadable_literal)]",
        "",
        f"/// SignalWindow `shift`: the window weights are Q{win['options']['shift']}.",
        f"pub const WINDOW_SHIFT: u32 = {win['options']['shift']};",
        f"/// SignalRfft `fft_length`.",
        f"pub const FFT_LENGTH: usize = {rfft['fft_length']};",
        f"/// SignalEnergy `start_index` (first FFT bin whose energy is used).",
        f"pub const ENERGY_START: usize = {energy['start_index']};",
        f"/// SignalEnergy `end_index` (one past the last FFT bin used).",
        f"pub const ENERGY_END: usize = {energy['end_index']};",
        f"/// SignalFilterBank `num_channels`.",
        f"pub const NUM_CHANNELS: usize = {p['SignalFilterBank']['options']['num_channels']};",
        "",
        rust_array("WINDOW", "i16", win["constants"][0], "SignalWindow weights (Hann window, Q12)."),
        "",
        rust_array("FILTERBANK_WEIGHTS", "i16", fb["constants"][0], "SignalFilterBank `weights` (Q12)."),
        "",
        rust_array("FILTERBANK_UNWEIGHTS", "i16", fb["constants"][1], "SignalFilterBank `unweights` (Q12)."),
        "",
        rust_array(
            "FILTERBANK_FREQ_STARTS",
            "i16",
            fb["constants"][2],
            "SignalFilterBank `channel_frequency_starts` (channel 0 is scratch).",
        ),
        "",
        rust_array(
            "FILTERBANK_WEIGHT_STARTS", "i16", fb["constants"][3], "SignalFilterBank `channel_weight_starts`."
        ),
        "",
        rust_array("FILTERBANK_WIDTHS", "i16", fb["constants"][4], "SignalFilterBank `channel_widths`."),
        "",
        "/// SignalFilterBankSpectralSubtraction custom options.",
        "pub const SPECTRAL_SUBTRACTION: super::noise::SpectralSubtractionConfig =",
        "    super::noise::SpectralSubtractionConfig {",
        f"        smoothing: {ss['smoothing']},",
        f"        one_minus_smoothing: {ss['one_minus_smoothing']},",
        f"        alternate_smoothing: {ss['alternate_smoothing']},",
        f"        alternate_one_minus_smoothing: {ss['alternate_one_minus_smoothing']},",
        f"        min_signal_remaining: {ss['min_signal_remaining']},",
        f"        smoothing_bits: {ss['smoothing_bits']},",
        f"        spectral_subtraction_bits: {ss['spectral_subtraction_bits']},",
        f"        clamping: {'true' if ss['clamping'] else 'false'},",
        "    };",
        "",
        f"/// SignalPCAN `snr_shift`.",
        f"pub const PCAN_SNR_SHIFT: u32 = {pcan['options']['snr_shift']};",
        "",
        rust_array("PCAN_GAIN_LUT", "i16", pcan["constants"][0], "SignalPCAN gain lookup table."),
        "",
        f"/// SignalFilterBankLog `input_correction_bits`.",
        f"pub const LOG_INPUT_CORRECTION_BITS: u32 = {log['input_correction_bits']};",
        f"/// SignalFilterBankLog `output_scale`.",
        f"pub const LOG_OUTPUT_SCALE: u32 = {log['output_scale']};",
        "",
    ]
    tail = dict()
    for i, (op, value) in enumerate(p["Tail"]):
        tail[f"{op}{i}"] = value
    expected = ["MUL0", "ADD1", "DIV2", "ADD3", "MINIMUM4", "MAXIMUM5"]
    if list(tail) != expected:
        sys.exit(f"unexpected int32 tail {p['Tail']}: the front end expects {expected}")
    out += [
        "/// The model's int32 tail after SignalFilterBankLog:",
        "/// `clamp((log * MUL + ADD) / DIV + OFFSET, MIN, MAX)` (MUL, ADD, DIV, ADD,",
        "/// MINIMUM, MAXIMUM), then CAST to int8.",
        f"pub const TAIL_MUL: i32 = {tail['MUL0']};",
        "/// See [`TAIL_MUL`].",
        f"pub const TAIL_ADD: i32 = {tail['ADD1']};",
        "/// See [`TAIL_MUL`] (TFLite DIV on int32 truncates toward zero).",
        f"pub const TAIL_DIV: i32 = {tail['DIV2']};",
        "/// See [`TAIL_MUL`].",
        f"pub const TAIL_OFFSET: i32 = {tail['ADD3']};",
        "/// See [`TAIL_MUL`].",
        f"pub const TAIL_MIN: i32 = {tail['MINIMUM4']};",
        "/// See [`TAIL_MUL`].",
        f"pub const TAIL_MAX: i32 = {tail['MAXIMUM5']};",
        "",
    ]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
