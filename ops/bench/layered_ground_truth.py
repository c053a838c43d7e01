#!/usr/bin/env python3
"""Exact ground truth of a layered sequence (ops/bench/layered_sequences.py) for any query.

A sequence is a stack of planar layers: layer 0 is the background, layers 1…L-1 are
foreground objects, drawn bottom to top in index order. Each layer l has, per frame t, a
3×3 matrix `layer_to_frame[l, t]` that maps its texture's pixel coordinates to frame
pixel coordinates (homogeneous; integer values at pixel centres, in both), and each object
a binary mask over its texture (`masks[l]`, padded to a common size; the background's is
unused: it covers the whole frame at every frame).

Who owns a frame position (x, y) at frame t is decided the same way for rendering and for
scoring: going down from the top layer, the first object whose mask is set at the texel
nearest to the position's pre-image (floor(q + 0.5)) owns it; otherwise the background
does, if the position lies inside the frame (-0.5 <= x < W - 0.5, likewise y), and nobody
(-1) outside. The renderer paints each pixel centre with its owner's colour, so the
`layer_ids` [T, H, W] map in the .gt.npz is this function at integer positions.

The track of a query (t0, x, y) is then exact: the query belongs to owner(t0, x, y); its
texture point q = inverse(layer_to_frame[owner, t0]) · (x, y, 1) is carried to frame t by
layer_to_frame[owner, t], and it is visible at t where owner(t, p_t) is that same layer
(so it is hidden by an object in front of it, or outside the frame, otherwise). A query on
layer >= 1 lies on a moving foreground object.

Used by the generator (to render) and by score_labels.py and check_layered_sequences.py.
"""
from pathlib import Path

import numpy as np

OUTSIDE = -1


class LayeredGroundTruth:
    """The layers of one sequence, read from its NAME.gt.npz."""

    def __init__(self, layer_to_frame, masks, mask_sizes, width, height):
        self.layer_to_frame = np.asarray(layer_to_frame, np.float64)  # [L, T, 3, 3]
        self.frame_to_layer = np.linalg.inv(self.layer_to_frame)      # [L, T, 3, 3]
        self.masks = np.asarray(masks, bool)                           # [L, S, S]
        self.mask_sizes = np.asarray(mask_sizes, np.int64)            # [L, 2] (height, width)
        self.width, self.height = int(width), int(height)
        self.layers, self.frames = self.layer_to_frame.shape[:2]

    @classmethod
    def load(cls, path):
        with np.load(Path(path)) as gt:
            return cls(gt["layer_to_frame"], gt["masks"], gt["mask_sizes"],
                       gt["size"][0], gt["size"][1])

    def inside_frame(self, xy):
        """[...] bool: the positions lie in the frame (pixel-centre convention)."""
        x, y = xy[..., 0], xy[..., 1]
        return (x >= -0.5) & (x < self.width - 0.5) & (y >= -0.5) & (y < self.height - 0.5)

    def on_mask(self, layer, t, xy):
        """[...] bool: object `layer` at frame(s) t covers the positions xy [..., 2]."""
        q = apply(self.frame_to_layer[layer, t], xy)
        texel = np.floor(q + 0.5).astype(np.int64)
        rows, cols = self.mask_sizes[layer]
        inside = (texel[..., 0] >= 0) & (texel[..., 0] < cols) & (texel[..., 1] >= 0) & (texel[..., 1] < rows)
        covered = np.zeros(inside.shape, bool)
        covered[inside] = self.masks[layer][texel[..., 1][inside], texel[..., 0][inside]]
        return covered

    def owner(self, t, xy):
        """[...] int: the layer seen at positions xy [..., 2] of frame(s) t (scalar or
        broadcastable to xy[..., 0]); OUTSIDE where the position is not in the frame."""
        t = np.broadcast_to(np.asarray(t, np.int64), xy.shape[:-1])
        owner = np.where(self.inside_frame(xy), 0, OUTSIDE)
        for layer in range(1, self.layers):
            owner = np.where(self.on_mask(layer, t, xy) & (owner != OUTSIDE), layer, owner)
        return owner

    def tracks(self, queries):
        """The exact answer for queries [N, 3] (t, x, y) in frame pixels:
        tracks [T, N, 2] float64, visible [T, N] bool, layer [N] int (the query's owner,
        OUTSIDE for a query outside the frame) and foreground [N] bool."""
        queries = np.asarray(queries, np.float64).reshape(-1, 3)
        t0 = np.clip(np.rint(queries[:, 0]).astype(np.int64), 0, self.frames - 1)
        xy0 = queries[:, 1:]
        layer = self.owner(t0, xy0)
        on = np.maximum(layer, 0)
        q = apply(self.frame_to_layer[on, t0], xy0)                        # [N, 2] texture
        every = np.arange(self.frames)
        tracks = apply(self.layer_to_frame[on[None, :], every[:, None]], q[None])  # [T, N, 2]
        visible = (self.owner(every[:, None], tracks) == layer[None, :]) & (layer[None, :] != OUTSIDE)
        return tracks, visible, layer, layer >= 1


def apply(matrices, xy):
    """Homogeneous 3×3 matrices [..., 3, 3] applied to points [..., 2] (broadcast)."""
    xy = np.asarray(xy, np.float64)
    m = np.asarray(matrices, np.float64)
    w = m[..., 2, 0] * xy[..., 0] + m[..., 2, 1] * xy[..., 1] + m[..., 2, 2]
    x = (m[..., 0, 0] * xy[..., 0] + m[..., 0, 1] * xy[..., 1] + m[..., 0, 2]) / w
    y = (m[..., 1, 0] * xy[..., 0] + m[..., 1, 1] * xy[..., 1] + m[..., 1, 2]) / w
    return np.stack([x, y], axis=-1)
