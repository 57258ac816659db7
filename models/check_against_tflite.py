"""Compare each converted ONNX model with its source .tflite on random input (max absolute difference per output;
outputs the ONNX model no longer has, pruned by prune_outputs.py, are named and skipped).

usage: python check_against_tflite.py MODEL.tflite MODEL.onnx
"""
import sys

import numpy as np
import onnxruntime as ort
import tensorflow as tf

tfl, onx = sys.argv[1], sys.argv[2]
interp = tf.lite.Interpreter(model_path=tfl)
interp.allocate_tensors()
inp = interp.get_input_details()[0]
x = np.random.default_rng(0).uniform(-1, 1, size=inp["shape"]).astype(np.float32)
interp.set_tensor(inp["index"], x)
interp.invoke()
sess = ort.InferenceSession(onx, providers=["CPUExecutionProvider"])
onnx_out = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {sess.get_inputs()[0].name: x})))
worst = 0.0
for d in interp.get_output_details():
    ref = interp.get_tensor(d["index"])
    # Relative to the output's size, but never to less than 1: a probability near 0 (presence on random input) is
    # judged by its absolute difference.
    span = max(float(np.abs(ref).max()), 1.0)
    same_shape = [v for v in onnx_out.values() if v.shape == ref.shape]
    if not same_shape:
        # prune_outputs.py drops the landmark models' segmentation and world landmarks: nothing to compare.
        print(f"{d['name']} {tuple(ref.shape)} not an output of the ONNX model (pruned)")
        continue
    diff = min(float(np.abs(v - ref).max()) for v in same_shape)
    worst = max(worst, diff / span)
    print(f"{d['name']} {tuple(ref.shape)} max|diff|={diff:.2e} (of max|value| {span:.2e})")
print(f"worst relative difference {worst:.2e}")
sys.exit(0 if worst < 1e-2 else 1)
