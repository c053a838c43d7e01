#ifndef PSEUDOTRACK_CZSTD_SHIM_H
#define PSEUDOTRACK_CZSTD_SHIM_H
#include <zstd.h>
static inline unsigned long long pt_zstd_content_size_unknown(void) { return ZSTD_CONTENTSIZE_UNKNOWN; }
static inline unsigned long long pt_zstd_content_size_error(void) { return ZSTD_CONTENTSIZE_ERROR; }
#endif
