#!/usr/bin/env bash
# Installs runpose for this user, to work away from the source tree: the binary (release, `cargo install`) into
# PREFIX/bin (default ~/.local/bin), and the models and the ONNX Runtime library into the user's data folder,
# ${XDG_DATA_HOME:-~/.local/share}/runpose/{models,lib,demo.mp4}, where the installed binary looks for them
# (crates/runpose-vision/src/runtime.rs). Runs scripts/setup.sh first (system packages, the runtime from PyPI).
#   scripts/install.sh [--prefix DIR] [--data-only]
# --data-only places the models and the library only (for a binary built or copied otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="$HOME/.local"
build=1
while (($#)); do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --data-only) build=0; shift ;;
    *) echo "install: unknown option $1 (use --prefix DIR or --data-only)" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
data="${XDG_DATA_HOME:-$HOME/.local/share}/runpose"
mkdir -p "$data/models" "$data/lib"
cp models/*.onnx models/README.md "$data/models/"
cp .cache/onnxruntime/libonnxruntime.so.* "$data/lib/"
# The OpenVINO backend, where setup.sh --openvino put it.
if [ -d .cache/onnxruntime-openvino ]; then
  mkdir -p "$data/openvino"
  cp -a .cache/onnxruntime-openvino/. "$data/openvino/"
fi
# The demo the live view plays without a camera, with its licence.
cp assets/demo.mp4 "$data/demo.mp4"
cp assets/LICENSE-demo.txt "$data/LICENSE-demo.txt"
echo "install: models, ONNX Runtime and the demo in $data"
if ((build)); then
  cargo install --locked --path crates/runpose-app --root "$prefix"
  echo "install: runpose in $prefix/bin (put it on PATH); check it with: $prefix/bin/runpose doctor"
fi
