#ifndef PSEUDOTRACK_CCRYPTO_SHIM_H
#define PSEUDOTRACK_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
