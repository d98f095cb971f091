/* tls/dynamic.h - the heap pointer in a general-dynamic __thread variable:
 * safe in a library that is dlopen'ed at any time; each access goes through
 * the TLS descriptor or __tls_get_addr. */
#ifndef MI_TLS_DYNAMIC_H
#define MI_TLS_DYNAMIC_H

#define MI_TLS_NAME "dynamic"
#define MI_TLS_MODEL "global-dynamic"
#include "tls/thread-local.h"

#endif
