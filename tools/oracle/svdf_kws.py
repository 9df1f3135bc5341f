#!/usr/bin/env python3
"""Write the end-to-end SVDF keyword-spotting model, its feature frames and TFLM's
outputs for them, streamed through one interpreter (state carried from frame to frame,
no reset), for `compiler/tests/svdf_kws.rs`.

    svdf_kws.py OUT_DIR [--seed S] [--frames N]

Writes OUT_DIR/model.tflite, OUT_DIR/input_0.npy (N x 1 x features, int8) and
OUT_DIR/expected_0.npy (N x 1 x classes, int16). Exit codes as tflm_reference.py."""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tflm_reference as ref  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--frames", type=int, default=30)
    args = p.parse_args(argv)
    try:
        ref.load_runtime()
        import numpy as np

        import cases_svdf

        model, (frames,) = cases_svdf.kws_e2e(args.seed, args.frames)
        (outputs,) = ref.run_sequence(model, [frames])
        os.makedirs(args.out_dir, exist_ok=True)
        with open(os.path.join(args.out_dir, "model.tflite"), "wb") as f:
            f.write(model)
        for name, array in [("input_0.npy", frames), ("expected_0.npy", outputs)]:
            with open(os.path.join(args.out_dir, name), "wb") as f:
                np.save(f, array, allow_pickle=False)
    except ref.OracleError as e:
        print(f"svdf_kws: error: {e}", file=sys.stderr)
        return e.code
    return ref.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
