"""Writes `neutron_converted.tflite`: what NXP's `neutron-converter` is documented to
produce for a model whose first operators the eIQ Neutron NPU takes, here shaped like
`tests/data/tflite-micro/hello_world_int8.tflite` (three FULLY_CONNECTED) converted with
its first two fully connected layers on the NPU.

Layout, from public sources (see docs/boards.md, "NXP eIQ Neutron"):
- the NPU part is one custom operator whose `custom_code` is `NeutronGraph` (the name
  `GetString_NEUTRON_GRAPH()` returns in NXP's TFLM kernel,
  nxp-mcuxpresso/mcuxsdk-middleware-tensorflow, tensorflow/lite/micro/kernels/neutron/neutron.cpp);
- the operators the NPU does not take stay builtin operators, run on the CPU (NXP's
  mcuxsdk-examples eiq_examples/tflm_cifar10/readme.md: the converter "replaces them with
  specialized NPU-compatible nodes. Unsupported operations are executed using fallback
  mechanisms");
- the NeutronGraph operator carries its microcode, weights and kernels as constant inputs
  after the feature map (a third-party description; only the count matters here, nothing
  reads them).

The blobs are placeholder bytes: this is a stand-in for the tests, not a Neutron program.
Run with the checkout's venv: `.venv/bin/python cargo-tinyml/tests/data/npu-standins/gen_neutron_fixture.py`.
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "tools", "oracle"))
from tflbuild import Model  # noqa: E402


def main():
    m = Model("stand-in for neutron-converter --target mcxn94x output")
    x = m.tensor("serving_default_dense_input:0", [1, 1], "int8", scale=0.024573976, zero_point=-128)
    h = m.tensor("sequential/dense_1/MatMul;sequential/dense_1/Relu", [1, 16], "int8", scale=0.011, zero_point=-128)
    blobs = [m.const(f"neutron_{k}", np.full(size, i, dtype=np.int8)) for i, (k, size) in enumerate([("microcode", 64), ("weights", 352), ("kernels", 32)])]
    w = m.const("sequential/dense_2/MatMul", np.arange(16, dtype=np.int8).reshape(1, 16), scale=0.01, zero_point=0)
    b = m.const("sequential/dense_2/BiasAdd", np.zeros(1, dtype=np.int32), scale=0.011 * 0.01, zero_point=0)
    y = m.tensor("StatefulPartitionedCall:0", [1, 1], "int8", scale=0.0085, zero_point=6)
    m.custom_op("NeutronGraph", [x, *blobs], [h])
    m.op("FULLY_CONNECTED", [h, w, b], [y], "FullyConnectedOptions")
    with open(os.path.join(HERE, "neutron_converted.tflite"), "wb") as f:
        f.write(m.build(inputs=[x], outputs=[y]))


if __name__ == "__main__":
    main()
