"""The clip's pixels: decoding ``video_mp4`` with PyAV, or taking ``frames`` as stored."""

from __future__ import annotations

import io
from typing import Any, Mapping, Optional

import numpy as np

__all__ = ["decode_mp4", "sample_frames"]


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
    frame count must equal the labels' T (``tracks.shape[0]``)."""
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
