"""The clip's pixels: decoding ``video_mp4`` with PyAV, or taking ``frames`` as stored; a rig
clip's views, which are stored side by side in one frame (shard format §5.4)."""

from __future__ import annotations

import io
from typing import Any, Mapping, Optional

import numpy as np

__all__ = ["decode_mp4", "sample_frames", "sample_views", "split_views"]


def decode_mp4(data: bytes, *, threads: int = 0) -> np.ndarray:
    """Decode an MP4 (any codec FFmpeg reads) to RGB frames, uint8 [T, H, W, 3], in
    presentation order. Needs PyAV (``pip install av``). ``threads`` 0 lets FFmpeg choose."""
    try:
        import av
    except ImportError as error:
        raise ImportError("decoding video_mp4 needs PyAV: pip install av "
                          "(or pip install 'pseudotrack-data[video]')") from error
    frames = []
    with av.open(io.BytesIO(bytes(data)), mode="r") as container:
        if not container.streams.video:
            raise ValueError("video_mp4 holds no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
    if not frames:
        raise ValueError("video_mp4 decodes to no frames")
    return np.stack(frames)


def sample_frames(sample: Mapping[str, Any], *, check_length: bool = True) -> Optional[np.ndarray]:
    """The clip's frames, uint8 [T, H, W, 3]: decoded from ``video_mp4``, or the ``frames``
    column as stored; None for a sample stored without media. With ``check_length`` the
    frame count must equal the labels' T (``tracks.shape[0]``).

    For a rig clip these are the stored frames as they are, the V views side by side:
    [T, H, V·W, 3]; ``sample_views`` splits them."""
    if "video_mp4" in sample:
        frames = decode_mp4(sample["video_mp4"])
    elif "frames" in sample:
        frames = np.asarray(sample["frames"], np.uint8)
    else:
        return None
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames have shape {frames.shape}, expected [T, H, W, 3]")
    if check_length and "tracks" in sample:
        t = np.shape(sample["tracks"])[0]
        if frames.shape[0] != t:
            raise ValueError(f"the clip has {frames.shape[0]} frames but its labels have T = {t}")
    return frames


def split_views(frames: np.ndarray, views: int) -> np.ndarray:
    """Tiled frames [T, H, V·W, 3] (view v in columns [v·W, (v+1)·W)) as [V, T, H, W, 3]."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames have shape {frames.shape}, expected [T, H, V*W, 3]")
    t, h, vw, _ = frames.shape
    if views < 1 or vw % views:
        raise ValueError(f"frames {vw} pixels wide do not hold {views} views side by side")
    w = vw // views
    return np.ascontiguousarray(frames.reshape(t, h, views, w, 3).transpose(2, 0, 1, 3, 4))


def sample_views(sample: Mapping[str, Any], *, frames: Optional[np.ndarray] = None,
                 check_length: bool = True) -> Optional[np.ndarray]:
    """The clip's pixels per view, uint8 [V, T, H, W, 3]; None without media. A rig clip's
    stored frames (``video_mp4`` decoded, or ``frames``) are split into its V views
    (``meta.rig.views``), each ``meta.stored.width`` wide; a single-view clip gives V = 1.
    ``frames`` (the tiled [T, H, V·W, 3]) skips decoding when the caller has them."""
    from .rig import is_rig, view_count
    if frames is None:
        frames = sample_frames(sample, check_length=check_length)
    if frames is None:
        return None
    v = view_count(sample) if is_rig(sample) else 1
    meta = sample.get("meta")
    stored = meta.get("stored") if isinstance(meta, dict) and isinstance(meta.get("stored"), dict) else {}
    width = stored.get("width")
    if isinstance(width, int) and frames.shape[2] != v * width:
        raise ValueError(f"frames are {frames.shape[2]} pixels wide; {v} view(s) of meta.stored.width "
                         f"{width} make {v * width}")
    return split_views(frames, v)
