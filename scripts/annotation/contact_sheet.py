#!/usr/bin/env python3
"""Enlarged crops of the feet around annotated events, four consecutive frames a row (tests/data/annotations/README.md).

    python3 -m pip install pillow
    ffmpeg -i CLIP -start_number 0 FRAMES/f%03d.png
    python3 scripts/annotation/contact_sheet.py FRAMES tests/data/annotations/treadmill_side_male.events.csv OUT.jpg \
        left:initial_contact:17 left:toe_off:24 right:initial_contact:27 right:toe_off:35
"""
import csv
import sys

from PIL import Image, ImageDraw, ImageFont

# Where the feet are in the treadmill clip: landings at the front (image left), toe-offs at the back.
BOXES = {"initial_contact": (115, 1060, 375, 1262), "toe_off": (265, 1040, 525, 1262)}
SCALE = 1.4


def row(frames_dir, foot, event, frame, certainty, font):
    box = BOXES[event]
    shown = [frame - 2, frame - 1, frame, frame + 1] if event == "initial_contact" else [frame - 1, frame, frame + 1, frame + 2]
    w, h = int((box[2] - box[0]) * SCALE), int((box[3] - box[1]) * SCALE)
    img = Image.new("RGB", (4 * w, h + 34), "white")
    d = ImageDraw.Draw(img)
    d.text((6, 4), f"{foot} {event.replace('_', ' ')}: frame {frame} ({certainty})", fill="black", font=font)
    for k, i in enumerate(shown):
        crop = Image.open(f"{frames_dir}/f{i:03d}.png").crop(box).resize((w, h), Image.LANCZOS)
        img.paste(crop, (k * w, 34))
        colour = "yellow" if i == frame else "white"
        d.rectangle([k * w, 34, k * w + 64, 62], fill="black")
        d.text((k * w + 4, 36), str(i), fill=colour, font=font)
        if i == frame:
            d.rectangle([k * w, 34, k * w + w - 1, 34 + h - 1], outline="yellow", width=4)
    return img


def main(frames_dir, events_csv, out, *picks):
    events = {(e["foot"], e["event"], int(e["frame"])): e["certainty"] for e in csv.DictReader(open(events_csv))}
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 22)
    rows = []
    for p in picks:
        foot, event, frame = p.split(":")
        rows.append(row(frames_dir, foot, event, int(frame), events[(foot, event, int(frame))], font))
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)), "white")
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height
    sheet.save(out, quality=85)


if __name__ == "__main__":
    main(*sys.argv[1:])
