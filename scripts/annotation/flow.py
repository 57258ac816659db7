#!/usr/bin/env python3
"""Measures how a foot moves between consecutive frames around each annotated event (tests/data/annotations/README.md).

For every event of the annotation, a 48x36 px patch at the heel (initial contacts) or the toe (toe-offs) of that foot is
matched in the next frame (normalised cross-correlation, OpenCV); the displacement (dx, dy) shows whether the shoe
moves with the belt. The patch is placed at the foot's landmark from a runpose frames.csv (only to find the shoe: the
displacement comes from the pixels).

    python3 -m pip install opencv-python-headless
    runpose analyze CLIP --out OUT
    python3 scripts/annotation/flow.py CLIP OUT/frames.csv tests/data/annotations/treadmill_side_male.events.csv
"""
import csv
import sys

import cv2
import numpy as np


def frames_of(clip):
    cap = cv2.VideoCapture(clip)
    out = []
    while True:
        ok, img = cap.read()
        if not ok:
            return out
        out.append(cv2.GaussianBlur(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32), (3, 3), 0))


def main(clip, frames_csv, events_csv):
    gray = frames_of(clip)
    rows = list(csv.DictReader(open(frames_csv)))

    def shift(side, i, part):
        name = f"{side}_{'heel' if part == 'heel' else 'foot_index'}"
        cx, cy = float(rows[i][name + "_x"]), float(rows[i][name + "_y"])
        hw, hh, search = 24, 18, 60
        x0, y0 = int(cx - hw), int(cy - hh)
        tpl = gray[i][y0:y0 + 2 * hh, x0:x0 + 2 * hw]
        win = gray[i + 1][y0 - search:y0 + 2 * hh + search, x0 - search:x0 + 2 * hw + search]
        res = cv2.matchTemplate(win, tpl, cv2.TM_CCOEFF_NORMED)
        _, best, _, loc = cv2.minMaxLoc(res)
        return loc[0] - search, loc[1] - search, best

    for e in csv.DictReader(open(events_csv)):
        f, side = int(e["frame"]), e["foot"]
        part = "heel" if e["event"] == "initial_contact" else "toe"
        cells = []
        for i in range(f - 3, f + 3):
            if 0 <= i < len(gray) - 1:
                dx, dy, q = shift(side, i, part)
                cells.append(f"{i}->{i + 1}:{dx:+3d},{dy:+3d}{'?' if q < 0.75 else ' '}")
        print(f"{side:5s} {e['event']:15s} {f:3d} {part:4s} | " + " ".join(cells))


if __name__ == "__main__":
    main(*sys.argv[1:4])
