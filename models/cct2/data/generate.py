#!/usr/bin/env python3
"""Generate the demo data set of models/cct2: 32 synthetic RGB images of 3x32x32 in 4 classes.

Deterministic (fixed seed, Python's own Mersenne Twister, standard library only), so the files
in this folder can be regenerated bit for bit:  python3 models/cct2/data/generate.py

Classes (label = sample index mod 4, so every run of 4 consecutive samples holds each class):
  0  horizontal stripes        2  a bright square on a dark background
  1  vertical stripes          3  a checkerboard
Each image gets a random phase or position, a per-channel gain and Gaussian noise (sigma 0.3);
pixel values are roughly in [-1.5, 1.5].

Output (raw little-endian, no header; format in docs/codegen.md):
  images.bin  float32 [32, 3, 32, 32]
  labels.bin  int64   [32]
"""
import array
import os
import random
import sys

SAMPLES, CLASSES, C, H, W = 32, 4, 3, 32, 32


def pattern(label, rng):
    """One 32x32 plane in {-1, +1} for a class, with a random phase or position."""
    p = rng.randrange(8)
    if label == 0:
        return [[1.0 if ((y + p) // 4) % 2 == 0 else -1.0 for x in range(W)] for y in range(H)]
    if label == 1:
        return [[1.0 if ((x + p) // 4) % 2 == 0 else -1.0 for x in range(W)] for y in range(H)]
    if label == 2:
        y0, x0 = 6 + rng.randrange(8), 6 + rng.randrange(8)
        return [[1.0 if y0 <= y < y0 + 12 and x0 <= x < x0 + 12 else -1.0 for x in range(W)] for y in range(H)]
    return [[1.0 if (((y + p) // 8) + ((x + p) // 8)) % 2 == 0 else -1.0 for x in range(W)] for y in range(H)]


def main():
    rng = random.Random(20240611)
    images = array.array("f")
    labels = array.array("q")
    for i in range(SAMPLES):
        label = i % CLASSES
        plane = pattern(label, rng)
        for c in range(C):
            gain = 0.6 + 0.4 * rng.random()
            for y in range(H):
                for x in range(W):
                    images.append(gain * plane[y][x] + rng.gauss(0.0, 0.3))
        labels.append(label)
    if sys.byteorder != "little":
        images.byteswap()
        labels.byteswap()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "images.bin"), "wb") as f:
        images.tofile(f)
    with open(os.path.join(here, "labels.bin"), "wb") as f:
        labels.tofile(f)


if __name__ == "__main__":
    main()
