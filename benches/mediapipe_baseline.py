"""Baseline for benches/pipeline.rs: MediaPipe's own Python package (0.10.14, BlazePose full, tracking on) over the
same clip, decode included, as a person would run it. Frames per second of the whole pass.

setup: python3 -m venv venv && venv/bin/pip install mediapipe==0.10.14
usage: venv/bin/python benches/mediapipe_baseline.py CLIP.mp4 [model_complexity=1]
"""
import sys
import time

import cv2
import mediapipe as mp

clip = sys.argv[1]
complexity = int(sys.argv[2]) if len(sys.argv) > 2 else 1
best = None
for _ in range(2):
    cap = cv2.VideoCapture(clip)
    n = found = 0
    start = time.perf_counter()
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=complexity, smooth_landmarks=True) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            result = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            n += 1
            found += result.pose_landmarks is not None
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
print(f"mediapipe {mp.__version__} model_complexity={complexity}: {n} frames, person in {found}, {n / best:.1f} frames/s")
