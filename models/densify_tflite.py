"""Rewrite a .tflite model so that every DENSIFY operator's output becomes a plain dense constant.

The MediaPipe pose detector stores some weights sparsely (DENSIFY ops), which tf2onnx 1.16 cannot convert. The TFLite
interpreter computes the dense values; this script writes them back into the flatbuffer as ordinary constant buffers
and drops the DENSIFY operators. Numerically the model is unchanged.

usage: python densify_tflite.py IN.tflite OUT.tflite
"""
import sys

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils


def densify(src: str, dst: str) -> int:
    model = flatbuffer_utils.read_model(src)
    interpreter = tf.lite.Interpreter(model_path=src, experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], dtype=detail["dtype"]))
    interpreter.invoke()

    def opcode(op):
        code = model.operatorCodes[op.opcodeIndex]
        return max(code.builtinCode, code.deprecatedBuiltinCode)

    replaced = 0
    for graph in model.subgraphs:  # only subgraph 0 runs in these models
        kept = []
        for op in graph.operators:
            if opcode(op) != schema.BuiltinOperator.DENSIFY:
                kept.append(op)
                continue
            out_index = op.outputs[0]
            dense = np.ascontiguousarray(interpreter.get_tensor(out_index))
            tensor = graph.tensors[out_index]
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
            model.buffers.append(buffer)
            tensor.buffer = len(model.buffers) - 1
            # The sparse source tensor is now unused; leaving its sparse buffer in place crashes converters that
            # read every constant, so it shares the dense buffer and loses its sparsity description.
            source = graph.tensors[op.inputs[0]]
            source.buffer = tensor.buffer
            source.sparsity = None
            source.shape = tensor.shape
            source.type = tensor.type
            replaced += 1
        graph.operators = kept
    flatbuffer_utils.write_model(model, dst)
    return replaced


if __name__ == "__main__":
    n = densify(sys.argv[1], sys.argv[2])
    print(f"densified {n} tensors -> {sys.argv[2]}")
