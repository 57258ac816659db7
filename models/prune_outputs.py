"""Keep only the outputs runpose reads of a landmark model: `Identity` (landmarks), `Identity_1` (presence) and
`Identity_3` (heatmaps). The segmentation mask (`Identity_2`, a decoder up to 256x256) and the world landmarks
(`Identity_4`) are computed by every backend for every frame when they are outputs of the graph, and nothing reads
them; without them the kept outputs are the same to the bit (models/README.md).

usage: python prune_outputs.py MODEL.onnx OUT.onnx
"""
import sys

import onnx
from onnx import utils

KEPT = ["Identity", "Identity_1", "Identity_3"]

src, dst = sys.argv[1], sys.argv[2]
graph = onnx.load(src).graph
names = [o.name for o in graph.output]
missing = [k for k in KEPT if k not in names]
if missing:
    sys.exit(f"{src} lacks the outputs {missing}: not a BlazePose landmark model")
utils.extract_model(src, dst, [graph.input[0].name], KEPT)
print(f"{dst}: outputs {', '.join(KEPT)} kept, {', '.join(n for n in names if n not in KEPT) or 'none'} dropped")
