"""Teacher side of the PseudoTrack external-teacher protocol, version 1 (see PROTOCOL.md).

An adapter loads its model, then calls

    serve(track_fn, name="my-tracker", version="1.0")

which writes the hello line and answers "track" requests until the engine closes stdin.
`track_fn(frames, queries)` receives

    frames   uint8   [T, H, W, 3]  RGB
    queries  float32 [N, 3]        rows (t, x, y); t an integral frame index,
                                   x, y pixels, integer values at pixel centres

and returns `(tracks, visibility, confidence)` or `(tracks, visibility, confidence, valid)`
(or a dict with those keys): tracks [T, N, 2], the others [T, N]. Whatever it returns is
checked and converted (float32 / uint8, confidence clipped to [0, 1]); if it raises, or
returns something malformed, the engine gets an error response for that clip and the
teacher keeps serving.

Stdout belongs to the protocol. `protect_stdout()` (called by `serve`, and best called
by an adapter before it imports or loads anything chatty) moves the real stdout to a
private file descriptor and points file descriptor 1 and `sys.stdout` at stderr, so a
stray `print` or a library's progress bar cannot corrupt the stream. Log with `log()`.

Only numpy is needed.
"""

import json
import os
import sys

import numpy as np

PROTOCOL = "pseudotrack-teacher"
VERSION = 1

# Wire dtype names -> little-endian numpy dtypes.
DTYPES = {
    "uint8": np.dtype("u1"),
    "int8": np.dtype("i1"),
    "uint16": np.dtype("<u2"),
    "int16": np.dtype("<i2"),
    "uint32": np.dtype("<u4"),
    "int32": np.dtype("<i4"),
    "uint64": np.dtype("<u8"),
    "int64": np.dtype("<i8"),
    "float16": np.dtype("<f2"),
    "float32": np.dtype("<f4"),
    "float64": np.dtype("<f8"),
}

# A header line longer than this is not a header (protects against reading a payload as
# text after a framing error).
MAX_HEADER_BYTES = 1 << 20

_out = None  # binary file object on the protocol's stdout


def log(*parts):
    """Writes one line to stderr (the engine keeps the tail of it in its log)."""
    print(*parts, file=sys.stderr, flush=True)


def protect_stdout():
    """Reserves the process's stdout for the protocol; returns the binary stream.

    Idempotent. After it, fd 1 and sys.stdout write to stderr."""
    global _out
    if _out is not None:
        return _out
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _out = os.fdopen(fd, "wb", buffering=1 << 16)
    return _out


class ProtocolError(Exception):
    """The request stream cannot be followed any more (the teacher must exit)."""


class RequestError(Exception):
    """The request was framed correctly but is not acceptable; answer it with an error."""


def _read_array_into(stream, dtype, shape, what):
    """Reads one payload into a new array, or raises ProtocolError (EOF, no memory)."""
    try:
        arr = np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError) as e:
        raise ProtocolError(f"cannot hold {what} of shape {list(shape)}: {e}") from None
    n = arr.nbytes
    view = memoryview(arr).cast("B") if n else None
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            raise ProtocolError(f"end of input after {got} of {n} bytes of {what}")
        got += k
    return arr


def read_request(stream):
    """Reads one request. Returns None on a clean end of input (EOF before a header).

    Returns (header, arrays, error): arrays maps name -> ndarray; error is None or a
    message to send back (the payload has been consumed, so the stream is still in step).
    Raises ProtocolError when the stream can no longer be followed."""
    line = stream.readline(MAX_HEADER_BYTES + 1)
    if not line:
        return None
    if not line.endswith(b"\n"):
        if len(line) > MAX_HEADER_BYTES:
            raise ProtocolError(f"request header longer than {MAX_HEADER_BYTES} bytes")
        raise ProtocolError("end of input inside a request header")
    try:
        header = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError(f"request header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise ProtocolError("request header is not a JSON object")
    rid = header.get("id")
    specs = header.get("arrays", [])
    if not isinstance(specs, list):
        raise ProtocolError(f"request {rid!r}: 'arrays' is not a list")

    # First make sure every payload's size is known, or we cannot stay in step.
    parsed = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise ProtocolError(f"request {rid!r}: arrays[{i}] is not an object")
        name, dtype_name, shape = spec.get("name"), spec.get("dtype"), spec.get("shape")
        if dtype_name not in DTYPES:
            raise ProtocolError(f"request {rid!r}: array {name!r} has unknown dtype {dtype_name!r}")
        if (not isinstance(shape, list)
                or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
            raise ProtocolError(f"request {rid!r}: array {name!r} has a bad shape {shape!r}")
        parsed.append((name, DTYPES[dtype_name], tuple(shape)))

    arrays = {}
    error = None
    for name, dtype, shape in parsed:
        arr = _read_array_into(stream, dtype, shape, f"array {name!r} of request {rid!r}")
        if not isinstance(name, str):
            error = error or f"array with a non-string name {name!r}"
        elif name in arrays:
            error = error or f"array {name!r} given twice"
        else:
            arrays[name] = arr
    if error is None and not isinstance(rid, str):
        error = f"request id {rid!r} is not a string"
    return header, arrays, error


def check_track_inputs(arrays):
    """Validates a track request's arrays; returns (frames, queries) or raises RequestError."""
    frames = arrays.get("frames")
    queries = arrays.get("queries")
    if frames is None:
        raise RequestError("missing array 'frames'")
    if queries is None:
        raise RequestError("missing array 'queries'")
    if frames.dtype != np.uint8:
        raise RequestError(f"frames: dtype must be uint8, got {frames.dtype.name}")
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise RequestError(f"frames: shape must be [T, H, W, 3], got {list(frames.shape)}")
    if frames.shape[0] < 1 or frames.shape[1] < 1 or frames.shape[2] < 1:
        raise RequestError(f"frames: empty clip {list(frames.shape)}")
    if queries.dtype != np.float32:
        raise RequestError(f"queries: dtype must be float32, got {queries.dtype.name}")
    if queries.ndim != 2 or queries.shape[1] != 3:
        raise RequestError(f"queries: shape must be [N, 3], got {list(queries.shape)}")
    T = frames.shape[0]
    if queries.shape[0]:
        if not np.all(np.isfinite(queries)):
            raise RequestError("queries: non-finite values")
        t = queries[:, 0]
        if np.any(t != np.round(t)):
            raise RequestError("queries: t must be an integral frame index")
        if np.any(t < 0) or np.any(t > T - 1):
            raise RequestError(f"queries: t outside 0...{T - 1}")
    return frames, queries


def check_track_outputs(result, T, N):
    """Converts a track_fn result to the wire arrays [(name, ndarray)], or raises RequestError."""
    if isinstance(result, dict):
        try:
            parts = [result["tracks"], result["visibility"], result["confidence"]]
        except KeyError as e:
            raise RequestError(f"teacher result lacks {e}") from None
        if result.get("valid") is not None:
            parts.append(result["valid"])
    elif isinstance(result, (tuple, list)) and len(result) in (3, 4):
        parts = list(result)
        if len(parts) == 4 and parts[3] is None:
            parts.pop()
    else:
        raise RequestError("teacher returned neither a 3/4-tuple nor a dict")

    tracks = np.asarray(parts[0], dtype=np.float32)
    if tracks.shape != (T, N, 2):
        raise RequestError(f"teacher tracks have shape {list(tracks.shape)}, expected {[T, N, 2]}")
    if not np.all(np.isfinite(tracks)):
        raise RequestError("teacher tracks contain non-finite values")
    visibility = np.asarray(parts[1])
    if visibility.shape != (T, N):
        raise RequestError(f"teacher visibility has shape {list(visibility.shape)}, expected {[T, N]}")
    visibility = (visibility != 0).astype(np.uint8)
    confidence = np.asarray(parts[2], dtype=np.float32)
    if confidence.shape != (T, N):
        raise RequestError(f"teacher confidence has shape {list(confidence.shape)}, expected {[T, N]}")
    if np.any(np.isnan(confidence)):
        raise RequestError("teacher confidence contains NaN")
    confidence = np.clip(confidence, 0.0, 1.0).astype(np.float32)
    out = [("tracks", tracks), ("visibility", visibility), ("confidence", confidence)]
    if len(parts) == 4:
        valid = np.asarray(parts[3])
        if valid.shape != (T, N):
            raise RequestError(f"teacher valid has shape {list(valid.shape)}, expected {[T, N]}")
        out.append(("valid", (valid != 0).astype(np.uint8)))
    return out


_WIRE_NAMES = {np.dtype("u1"): "uint8", np.dtype("<f4"): "float32"}


def write_json_line(stream, obj):
    stream.write(json.dumps(obj, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n")


def write_response(stream, rid, arrays):
    """Writes a success response: header line, then each array's bytes (C order, little-endian)."""
    payloads = []
    specs = []
    for name, arr in arrays:
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        arr = np.ascontiguousarray(arr, dtype=dtype)
        specs.append({"name": name, "dtype": _WIRE_NAMES[arr.dtype], "shape": list(arr.shape)})
        payloads.append(arr)
    write_json_line(stream, {"id": rid, "ok": True, "arrays": specs})
    for arr in payloads:
        if arr.nbytes:
            stream.write(memoryview(arr).cast("B"))
    stream.flush()


def write_error(stream, rid, message):
    write_json_line(stream, {"id": rid, "ok": False, "error": str(message)})
    stream.flush()


def serve(track_fn, name, version, stdin=None, stdout=None):
    """Runs the protocol until end of input, then exits the process with status 0.

    Exits with status 2 (after a message on stderr) if the request stream breaks: a
    header that is not JSON, an unknown dtype, or a payload cut short."""
    out = stdout if stdout is not None else protect_stdout()
    inp = stdin if stdin is not None else sys.stdin.buffer
    try:
        write_json_line(out, {"protocol": PROTOCOL, "version": VERSION,
                              "name": str(name), "teacher_version": str(version)})
        out.flush()
        log(f"[{name}] ready (protocol {PROTOCOL} v{VERSION}, teacher {version})")
        while True:
            try:
                req = read_request(inp)
            except ProtocolError as e:
                log(f"[{name}] protocol error, exiting: {e}")
                sys.exit(2)
            if req is None:
                log(f"[{name}] end of input, exiting")
                sys.exit(0)
            header, arrays, error = req
            rid = header.get("id")
            if error is not None:
                log(f"[{name}] request {rid!r} refused: {error}")
                write_error(out, rid if isinstance(rid, str) else str(rid), error)
                continue
            kind = header.get("type")
            if kind != "track":
                msg = f"unknown request type {kind!r}"
                log(f"[{name}] request {rid!r} refused: {msg}")
                write_error(out, rid, msg)
                continue
            try:
                frames, queries = check_track_inputs(arrays)
                result = track_fn(frames, queries)
                response = check_track_outputs(result, frames.shape[0], queries.shape[0])
            except RequestError as e:
                log(f"[{name}] request {rid!r} failed: {e}")
                write_error(out, rid, str(e))
                continue
            except Exception as e:  # the teacher's own failure: report it, keep serving
                import traceback
                traceback.print_exc(file=sys.stderr)
                msg = f"{type(e).__name__}: {e}"
                log(f"[{name}] request {rid!r} failed: {msg}")
                write_error(out, rid, msg)
                continue
            write_response(out, rid, response)
    except BrokenPipeError:
        log(f"[{name}] the engine closed the response pipe, exiting")
        try:
            sys.stderr.flush()
        finally:
            os._exit(1)
