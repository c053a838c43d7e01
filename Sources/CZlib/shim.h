#ifndef PSEUDOTRACK_CZLIB_SHIM_H
#define PSEUDOTRACK_CZLIB_SHIM_H
#include <zlib.h>
/// inflateInit2 is a macro; raw deflate streams (as in ZIP) use windowBits −15.
static inline int pt_inflate_init_raw(z_stream *stream) { return inflateInit2(stream, -15); }
#endif
