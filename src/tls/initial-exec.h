/* tls/initial-exec.h - the heap pointer in an initial-exec __thread
 * variable: one thread-pointer-relative load.  A library using it may fail
 * to load with dlopen late in a process ("cannot allocate memory in static
 * TLS block"); --with-tls=dynamic avoids that. */
#ifndef MI_TLS_INITIAL_EXEC_H
#define MI_TLS_INITIAL_EXEC_H

#define MI_TLS_NAME "initial-exec"
#define MI_TLS_MODEL "initial-exec"
#include "tls/thread-local.h"

#endif
