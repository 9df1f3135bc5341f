#!/usr/bin/env python3
"""Runs hello_world_int8.tflite in the TFLM reference interpreter (PyPI `tflite-micro`)
for every int8 input and prints {"input": [...], "output": [...]} as JSON.

compiler/tests/hello_world_host.rs compares cargo-tinyml's host run with this. Regenerate:
    python compiler/tests/data/hello_world_tflm.py tests/data/tflite-micro/hello_world_int8.tflite \
        > compiler/tests/data/hello_world_tflm.json
"""
import json
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime

it = runtime.Interpreter.from_file(sys.argv[1])
inputs = list(range(-128, 128))
outputs = []
for x in inputs:
    it.set_input(np.array([[x]], dtype=np.int8), 0)
    it.invoke()
    outputs.append(int(it.get_output(0).reshape(-1)[0]))
json.dump({"input": inputs, "output": outputs}, sys.stdout)
sys.stdout.write("\n")
