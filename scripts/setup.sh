#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for runpose: the system libraries (FFmpeg, clang for bindgen; X11, Xvfb
# and Mesa's software OpenGL/Vulkan for the window and its headless tests) and the
# ONNX Runtime shared library from the PyPI wheel `onnxruntime`, unpacked into .cache/onnxruntime/.
# With --openvino also the OpenVINO backend: the wheel `onnxruntime-openvino` (its ONNX Runtime and the OpenVINO
# libraries, ~250 MB) unpacked into .cache/onnxruntime-openvino/, which runpose uses with --backend openvino.
# Needs: a Rust toolchain (1.95+), python3 with pip, and network access to Debian's and PyPI's registries.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENVINO=0
for arg in "$@"; do
  case "$arg" in
    --openvino) OPENVINO=1 ;;
    *) echo "setup: unknown option $arg (use --openvino)" >&2; exit 2 ;;
  esac
done
OV_VERSION=1.24.1
OV_WHEEL_SHA256=3007c803634cc69c6d52af1dea7ce729d9bb62b9a11070fd2f959119199007a8
OV_DIR=.cache/onnxruntime-openvino

ORT_VERSION=1.32.0
ORT_LIB=.cache/onnxruntime/libonnxruntime.so.$ORT_VERSION
ORT_LIB_SHA256=6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f

APT_PACKAGES=(pkg-config clang libclang-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  libswresample-dev libavfilter-dev libavdevice-dev ffmpeg unzip
  xvfb xauth libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libegl1 libgl1-mesa-dri libvulkan1
  mesa-vulkan-drivers)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$ORT_LIB" ] || ! echo "$ORT_LIB_SHA256  $ORT_LIB" | sha256sum -c --status; then
  echo "setup: fetching ONNX Runtime $ORT_VERSION from PyPI (wheel onnxruntime)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --implementation cp "onnxruntime==$ORT_VERSION" -d "$tmp"
  mkdir -p .cache/onnxruntime
  unzip -q -o -j "$tmp"/onnxruntime-"$ORT_VERSION"-*.whl "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" -d .cache/onnxruntime
  echo "$ORT_LIB_SHA256  $ORT_LIB" | sha256sum -c --quiet
fi
if [ "$OPENVINO" = 1 ] && [ ! -f "$OV_DIR/libonnxruntime.so.$OV_VERSION" ]; then
  echo "setup: fetching the OpenVINO backend (wheel onnxruntime-openvino $OV_VERSION) from PyPI"
  tmp_ov=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --implementation cp "onnxruntime-openvino==$OV_VERSION" -d "$tmp_ov"
  wheel=$(ls "$tmp_ov"/onnxruntime_openvino-"$OV_VERSION"-*.whl)
  echo "$OV_WHEEL_SHA256  $wheel" | sha256sum -c --quiet
  mkdir -p "$OV_DIR"
  unzip -q -o -j "$wheel" 'onnxruntime/capi/lib*.so*' -d "$OV_DIR"
  rm -rf "$tmp_ov"
fi
echo "setup: ready (ONNX Runtime at $ORT_LIB)"
[ "$OPENVINO" = 1 ] && echo "setup: OpenVINO backend at $OV_DIR (runpose uses it with --backend openvino)"
exit 0
