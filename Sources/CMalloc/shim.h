#ifndef LOGOUT_CMALLOC_SHIM_H
#define LOGOUT_CMALLOC_SHIM_H

/* Glibc's Swift module leaves malloc.h out; the executable tunes glibc's allocator with mallopt. */
#include <malloc.h>

#endif
