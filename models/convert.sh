#!/usr/bin/env bash
# Reproduces the ONNX models in this folder from their registry package (see README.md).
# Needs python3 (3.11), npm and network access to the npm registry and PyPI. Takes a few minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

PKG="@mediapipe/pose@0.5.1675469404"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q tensorflow-cpu==2.15.1 tf2onnx==1.16.1 numpy==1.26.4 onnx==1.16.2 protobuf==3.20.3

(cd "$work" && npm pack --silent "$PKG" >/dev/null && tar xzf mediapipe-pose-*.tgz)
src="$work/package"
# The detector is the first 2,962,288 bytes of the packed assets (the loader's only file entry).
head -c 2962288 "$src/pose_solution_packed_assets.data" > "$work/pose_detection.tflite"
(cd "$src" && sha256sum -c - <<'SUMS'
e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f  pose_landmark_full.tflite
59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe  pose_landmark_heavy.tflite
f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61  pose_landmark_lite.tflite
a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85  pose_solution_packed_assets.data
SUMS
)

"$work/venv/bin/python" "$here/densify_tflite.py" "$work/pose_detection.tflite" "$work/pose_detection_dense.tflite"
convert() { "$work/venv/bin/python" -m tf2onnx.convert --tflite "$1" --output "$2" --opset 17 2>&1 | tail -n 2; }
convert "$work/pose_detection_dense.tflite" "$here/mp_pose_detection.onnx"
for v in lite full heavy; do
  convert "$src/pose_landmark_$v.tflite" "$work/pose_landmark_$v.onnx"
  # Only the outputs runpose reads: the segmentation decoder and the world landmarks cost time and are unused.
  "$work/venv/bin/python" "$here/prune_outputs.py" "$work/pose_landmark_$v.onnx" "$here/mp_pose_landmark_$v.onnx"
done
(cd "$here" && sha256sum ./*.onnx)
