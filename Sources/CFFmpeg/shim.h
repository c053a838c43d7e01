// FFmpeg headers for Swift, plus inline wrappers for what Swift cannot import
// (function-like macros such as AVERROR, and constants built from them).
#ifndef PSEUDOTRACK_CFFMPEG_SHIM_H
#define PSEUDOTRACK_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/log.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int pt_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int pt_averror_eof(void) { return AVERROR_EOF; }
static inline int pt_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int pt_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int pt_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int pt_frame_flag_corrupt(void) { return AV_FRAME_FLAG_CORRUPT; }
static inline int64_t pt_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int pt_time_base(void) { return AV_TIME_BASE; }
static inline int pt_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int pt_pkt_flag_discard(void) { return AV_PKT_FLAG_DISCARD; }
static inline int pt_pkt_flag_corrupt(void) { return AV_PKT_FLAG_CORRUPT; }

/// The text FFmpeg gives for an error code.
static inline void pt_error_string(int code, char *buffer, size_t size) {
    av_strerror(code, buffer, size);
}

/// Rotation in degrees (counter-clockwise, as av_display_rotation_get returns it) from the
/// stream's display-matrix side data, or NAN when there is none.
static inline double pt_stream_rotation(const AVStream *stream) {
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!matrix || size < 9 * sizeof(int32_t)) return NAN;
    return av_display_rotation_get((const int32_t *)matrix);
}

/// Attaches a display matrix rotating by `degrees` counter-clockwise to a stream being muxed.
static inline int pt_stream_set_rotation(AVStream *stream, double degrees) {
    uint8_t *matrix = av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
    if (!matrix) return AVERROR(ENOMEM);
    av_display_rotation_set((int32_t *)matrix, degrees);
    return 0;
}

#endif
