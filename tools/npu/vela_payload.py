"""Extracts what a generated program needs from Vela's output model (`<model>_vela.tflite`):
for each `ethos-u` custom operator, the driver payload (`COP1`: the optimizer's CONFIG/ID
words and the command stream) and the sizes of the tensors Vela gives it (flash weights,
scratch, fast scratch), as JSON on stdout.

    python tools/npu/vela_payload.py out/kws_ref_model_vela.tflite --out-dir DIR

writes DIR/<stem>_cop1_<k>.bin and DIR/<stem>_flash_<k>.bin per `ethos-u` operator. Needs the
`tflite` package (tools/oracle/requirements.txt).
"""

import argparse
import json
import os

import tflite


def tensor_bytes(model, subgraph, index):
    t = subgraph.Tensors(index)
    buf = model.Buffers(t.Buffer())
    return bytes(buf.DataAsNumpy().tobytes()) if buf.DataLength() else b""


def tensor_size(subgraph, index):
    t = subgraph.Tensors(index)
    n = 1
    for d in t.ShapeAsNumpy():
        n *= int(d)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    data = open(args.model, "rb").read()
    model = tflite.Model.GetRootAsModel(data, 0)
    stem = os.path.splitext(os.path.basename(args.model))[0]
    os.makedirs(args.out_dir, exist_ok=True)
    ops = []
    sg = model.Subgraphs(0)
    k = 0
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        custom = code.CustomCode()
        if custom is None or custom.decode() != "ethos-u":
            continue
        inputs = [int(x) for x in op.InputsAsNumpy()]
        # Vela's convention: command stream, flash (weights), scratch, fast scratch, then
        # the operator's own inputs.
        cop1 = tensor_bytes(model, sg, inputs[0])
        flash = tensor_bytes(model, sg, inputs[1])
        with open(os.path.join(args.out_dir, f"{stem}_cop1_{k}.bin"), "wb") as f:
            f.write(cop1)
        with open(os.path.join(args.out_dir, f"{stem}_flash_{k}.bin"), "wb") as f:
            f.write(flash)
        ops.append(
            {
                "operator": i,
                "cop1_bytes": len(cop1),
                "flash_bytes": len(flash),
                "scratch_bytes": tensor_size(sg, inputs[2]),
                "fast_scratch_bytes": tensor_size(sg, inputs[3]),
                "inputs": inputs[4:],
                "outputs": [int(x) for x in op.OutputsAsNumpy()],
            }
        )
        k += 1
    print(json.dumps({"model": args.model, "ethos_u": ops}, indent=2))


if __name__ == "__main__":
    main()
