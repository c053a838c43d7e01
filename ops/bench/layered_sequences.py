#!/usr/bin/env python3
"""Layered synthetic sequences with exact motion and occlusion ground truth, for the
pipeline bench (ops/bench/pipeline.sh).

Usage: layered_sequences.py --set dev|val --out DIR [--clips 6] [--seed S]
       layered_sequences.py --set dev|val [--seed S] --cache-key   (prints SET-vVERSION-seedS)

Each clip is 512×384, 48 frames at 25 fps, built from photographs that scikit-image ships
(`skimage.data`, no download):
  background  one photograph, scaled to cover 1.6× the frame, seen through a camera that
              moves smoothly over it: a homography per frame (pan along a curved path,
              roll, zoom and a little perspective, each a smooth function of time plus a
              slow wobble), checked to keep the frame inside the photograph;
  objects     3–5 textured objects, each a crop of another photograph (rejected when
              nearly flat) cut to a disc, a polygon or a smooth blob, moving on its own
              (curved translation, rotation, scaling), drawn over the background and over
              each other in a fixed depth order; their edges are hard, so each pixel
              centre shows exactly one layer;
  photometry  a slow global gain and bias drift, a gain drift per object, Gaussian noise
              (σ = 2 grey levels); none of it moves anything;
  encoding    H.264 with the ffmpeg command line (libx264, yuv420p, crf 20, one thread,
              so the bytes are the same on every run).

Writes NAME.mp4 and NAME.gt.npz per clip, and sequences.json (the set, the seed, the
version, the clips and their sources) last, so a directory with sequences.json is whole.
NAME.gt.npz holds `layer_to_frame` [L, T, 3, 3], `masks` [L, S, S] with `mask_sizes`
[L, 2], `layer_ids` [T, H, W] int8 (the layer seen at each pixel centre), `size` (W, H),
`fps`, `seed`, `version` and `sources`; layered_ground_truth.py turns it into the exact
track, visibility and foreground flag of any query (t, x, y).

The two sets use different seeds and different photographs, backgrounds and objects
alike: tune on `dev`, report on `val`. Everything is drawn from numpy's PCG64 seeded
with (set seed, clip index), so the same command writes the same clips. About 1–2 s per
clip.
"""
import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import skimage.data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layered_ground_truth import LayeredGroundTruth, OUTSIDE  # noqa: E402

VERSION = 1
WIDTH, HEIGHT, FRAMES, FPS = 512, 384, 48, 25
CRF = 20
NOISE_SIGMA = 2.0
BACKGROUND_COVER = 1.6      # the background photograph covers this many frame sizes
MIN_CROP_STD = 18.0         # grey-level standard deviation below which a crop is too flat

# Photographs per set. Backgrounds come from `backgrounds`; objects are cut from
# `objects` and from the set's other backgrounds (never the clip's own).
SETS = {
    "dev": dict(seed=1009, backgrounds=["astronaut", "coffee", "rocket", "chelsea",
                                        "immunohistochemistry", "camera"],
                objects=["brick", "gravel", "coins", "clock", "page"]),
    "val": dict(seed=2027, backgrounds=["motorcycle_left", "retina", "hubble_deep_field",
                                        "grass", "motorcycle_right", "moon"],
                objects=["text", "colorwheel", "logo", "microaneurysms"]),
}


def photograph(name):
    """RGB uint8 [H, W, 3] of a scikit-image sample photograph."""
    if name in ("motorcycle_left", "motorcycle_right"):
        image = skimage.data.stereo_motorcycle()[0 if name.endswith("left") else 1]
    else:
        image = getattr(skimage.data, name)()
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def translation(x, y):
    return np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)


def rotation_scale(angle, scale):
    c, s = math.cos(angle) * scale, math.sin(angle) * scale
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], np.float64)


def smooth_curve(rng, linear, quadratic, wobble):
    """[T] values of a smooth function of time τ in [0, 1]: a·τ + b·τ² + c·sin(2πfτ + φ)
    − c·sin φ (zero at τ = 0), with a, b, c drawn within ±linear, ±quadratic, ±wobble."""
    tau = np.linspace(0, 1, FRAMES)
    a, b, c = (rng.uniform(-r, r) for r in (linear, quadratic, wobble))
    f, phase = rng.uniform(0.5, 2.0), rng.uniform(0, 2 * math.pi)
    return a * tau + b * tau ** 2 + c * (np.sin(2 * math.pi * f * tau + phase) - math.sin(phase))


def background_layer(rng, image):
    """(texture, layer_to_frame [T, 3, 3]): the photograph scaled to cover the frame with
    margin, and a camera path over it that never shows past its edges."""
    scale = BACKGROUND_COVER * max(WIDTH / image.shape[1], HEIGHT / image.shape[0])
    texture = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    rows, cols = texture.shape[:2]
    centre = np.array([(cols - 1) / 2, (rows - 1) / 2])
    frame_centre = np.array([(WIDTH - 1) / 2, (HEIGHT - 1) / 2])
    corners = np.array([[-0.5, -0.5], [WIDTH - 0.5, -0.5], [-0.5, HEIGHT - 0.5], [WIDTH - 0.5, HEIGHT - 0.5]])
    pan_x, pan_y = smooth_curve(rng, 80, 40, 6), smooth_curve(rng, 60, 30, 6)
    roll, zoom = smooth_curve(rng, math.radians(5), math.radians(2), math.radians(1)), smooth_curve(rng, 0.12, 0.05, 0.02)
    tilt = rng.uniform(-1.2e-4, 1.2e-4, size=(2, 2))   # perspective terms at the start and the end
    amplitude = 1.0
    while True:
        matrices = []
        for t in range(FRAMES):
            tau = t / (FRAMES - 1)
            p = amplitude * ((1 - tau) * tilt[0] + tau * tilt[1])
            perspective = np.array([[1, 0, 0], [0, 1, 0], [p[0], p[1], 1]])
            look_at = centre + amplitude * np.array([pan_x[t], pan_y[t]])
            matrices.append(translation(*frame_centre) @ perspective
                            @ rotation_scale(amplitude * roll[t], 1 + amplitude * zoom[t])
                            @ translation(*-look_at))
        matrices = np.array(matrices)
        seen = np.stack([cv2.perspectiveTransform(corners.reshape(-1, 1, 2), np.linalg.inv(m)).reshape(4, 2)
                         for m in matrices])
        if seen.min() >= 1 and seen[..., 0].max() <= cols - 2 and seen[..., 1].max() <= rows - 2:
            return texture, matrices
        amplitude *= 0.8


def shape_mask(rng, size):
    """(bool [size, size], kind): a disc, a polygon or a smooth blob centred in the patch."""
    kind = rng.choice(["disc", "polygon", "blob"])
    c = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    angle, radius = np.arctan2(yy - c, xx - c), np.hypot(xx - c, yy - c)
    if kind == "disc":
        return radius <= 0.46 * size, kind
    if kind == "polygon":
        count = int(rng.integers(5, 10))
        angles = np.sort(rng.uniform(0, 2 * math.pi, count))
        radii = rng.uniform(0.3, 0.48, count) * size
        points = np.stack([c + radii * np.cos(angles), c + radii * np.sin(angles)], 1)
        mask = np.zeros((size, size), np.uint8)
        cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
        return mask.astype(bool), kind
    boundary = np.ones_like(angle)
    for k in range(2, 5):
        boundary += rng.uniform(0, 0.12) * np.cos(k * angle + rng.uniform(0, 2 * math.pi))
    return radius <= 0.36 * size * boundary, kind


def textured_crop(rng, image, size):
    """A size×size crop of the photograph, at a random zoom, not nearly flat."""
    for _ in range(20):
        zoom = rng.uniform(0.7, 1.6)
        side = min(int(size / zoom), image.shape[0], image.shape[1])
        y = int(rng.integers(0, image.shape[0] - side + 1))
        x = int(rng.integers(0, image.shape[1] - side + 1))
        crop = cv2.resize(image[y:y + side, x:x + side], (size, size), interpolation=cv2.INTER_AREA
                          if side > size else cv2.INTER_CUBIC)
        if cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).std() >= MIN_CROP_STD:
            return crop
    return crop


def object_layer(rng, image):
    """(texture, mask, kind, layer_to_frame [T, 3, 3]) of one foreground object."""
    size = int(rng.integers(90, 200))
    texture = textured_crop(rng, image, size)
    mask, kind = shape_mask(rng, size)
    centre = (size - 1) / 2
    start = np.array([rng.uniform(0.1, 0.9) * WIDTH, rng.uniform(0.1, 0.9) * HEIGHT])
    heading = rng.uniform(0, 2 * math.pi)
    direction = np.array([math.cos(heading), math.sin(heading)])
    travel = rng.uniform(30, 170) * direction[:, None] * np.linspace(0, 1, FRAMES)[None]
    bend = np.array([-direction[1], direction[0]])[:, None] * smooth_curve(rng, 0, 50, 0)[None]
    wobble = np.stack([smooth_curve(rng, 0, 0, 6), smooth_curve(rng, 0, 0, 6)])
    path = start[:, None] + travel + bend + wobble                        # [2, T]
    angle = rng.uniform(0, 2 * math.pi) + smooth_curve(rng, math.radians(60), math.radians(20), math.radians(6))
    scale = rng.uniform(0.8, 1.2) * (1 + smooth_curve(rng, 0.2, 0.1, 0.05))
    matrices = np.array([translation(*path[:, t]) @ rotation_scale(angle[t], scale[t]) @ translation(-centre, -centre)
                         for t in range(FRAMES)])
    return texture, mask, kind, matrices


def drift(rng, amplitude):
    """[T] a slow multiplicative drift around 1."""
    return 1 + smooth_curve(rng, amplitude, 0, amplitude)


def render(textures, ground_truth, gains, global_gain, global_bias, rng):
    """uint8 [T, H, W, 3] frames and int8 [T, H, W] layer ids of the clip."""
    grid = np.stack(np.meshgrid(np.arange(WIDTH, dtype=np.float64), np.arange(HEIGHT, dtype=np.float64)), -1)
    frames, layer_ids = [], []
    for t in range(FRAMES):
        owner = ground_truth.owner(t, grid)
        frame = np.zeros((HEIGHT, WIDTH, 3), np.float32)
        for layer, texture in enumerate(textures):
            colour = cv2.warpPerspective(texture, ground_truth.layer_to_frame[layer, t], (WIDTH, HEIGHT),
                                         flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            here = owner == layer
            frame[here] = colour[here].astype(np.float32) * gains[layer][t]
        frame = frame * global_gain[t] + global_bias[t] + rng.normal(0, NOISE_SIGMA, frame.shape)
        frames.append(np.clip(np.rint(frame), 0, 255).astype(np.uint8))
        layer_ids.append(owner.astype(np.int8))
    return np.stack(frames), np.stack(layer_ids)


def encode(frames, path):
    """H.264 (libx264, yuv420p, crf CRF, one thread) through the ffmpeg command line."""
    command = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "medium",
               "-crf", str(CRF), "-pix_fmt", "yuv420p", "-threads", "1", str(path)]
    subprocess.run(command, input=frames.tobytes(), check=True)


def make_clip(set_name, seed, index, out):
    """Draws, renders and writes clip `index` of the set; returns its description."""
    spec = SETS[set_name]
    rng = np.random.default_rng([seed, index])
    background_name = spec["backgrounds"][index % len(spec["backgrounds"])]
    pool = spec["objects"] + [b for b in spec["backgrounds"] if b != background_name]
    texture, matrices = background_layer(rng, photograph(background_name))
    textures, layer_to_frame, masks, sources, kinds = [texture], [matrices], [None], [background_name], ["background"]
    for _ in range(int(rng.integers(3, 6))):
        name = pool[int(rng.integers(len(pool)))]
        texture, mask, kind, matrices = object_layer(rng, photograph(name))
        textures.append(texture), layer_to_frame.append(matrices), masks.append(mask)
        sources.append(name), kinds.append(kind)
    side = max(m.shape[0] for m in masks[1:])
    padded = np.zeros((len(masks), side, side), bool)
    sizes = np.zeros((len(masks), 2), np.int64)
    for layer, mask in enumerate(masks[1:], start=1):
        padded[layer, :mask.shape[0], :mask.shape[1]] = mask
        sizes[layer] = mask.shape
    ground_truth = LayeredGroundTruth(np.array(layer_to_frame), padded, sizes, WIDTH, HEIGHT)
    gains = [drift(rng, 0.03)] + [drift(rng, 0.08) for _ in masks[1:]]
    frames, layer_ids = render(textures, ground_truth, gains, drift(rng, 0.1), smooth_curve(rng, 8, 0, 6), rng)
    assert (layer_ids != OUTSIDE).all()
    name = f"{set_name}_{index:02d}"
    encode(frames, out / f"{name}.mp4")
    np.savez_compressed(out / f"{name}.gt.npz", layer_to_frame=np.array(layer_to_frame), masks=padded,
                        mask_sizes=sizes, layer_ids=layer_ids, size=np.array([WIDTH, HEIGHT]), fps=FPS,
                        seed=np.array([seed, index]), version=VERSION, sources=np.array(sources))
    foreground = float((layer_ids >= 1).mean())
    return dict(name=name, background=background_name, objects=[dict(source=s, shape=k) for s, k in
                                                                 zip(sources[1:], kinds[1:])],
                foreground_pixel_share=round(foreground, 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--seed", type=int, help="default: the set's own")
    parser.add_argument("--cache-key", action="store_true",
                        help="print SET-vVERSION-seedSEED (what names a cached set) and exit")
    args = parser.parse_args()
    seed = SETS[args.set]["seed"] if args.seed is None else args.seed
    if args.cache_key:
        print(f"{args.set}-v{VERSION}-seed{seed}" + ("" if args.clips == 6 else f"-{args.clips}clips"))
        return
    if args.out is None:
        parser.error("--out is required")
    cv2.setNumThreads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sequences.json").unlink(missing_ok=True)
    clips = [make_clip(args.set, seed, index, args.out) for index in range(args.clips)]
    description = dict(set=args.set, seed=seed, version=VERSION, size=[WIDTH, HEIGHT], frames=FRAMES, fps=FPS,
                       crf=CRF, clips=clips)
    (args.out / "sequences.json").write_text(json.dumps(description, indent=2) + "\n")


if __name__ == "__main__":
    main()
