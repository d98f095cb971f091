# mi_tls.m4 - probes for thread-local storage mechanisms.      -*- Autoconf -*-

# MI_CHECK_TLS_INITIAL_EXEC
# -------------------------
# Does an initial-exec __thread variable compile, link and (unless
# cross-compiling) keep a value per thread?  Sets mi_cv_tls_initial_exec.
AC_DEFUN([MI_CHECK_TLS_INITIAL_EXEC], [
AC_CACHE_CHECK([for initial-exec __thread variables], [mi_cv_tls_initial_exec], [
  mi_save_LIBS=$LIBS
  LIBS="$LIBS -pthread"
  AC_RUN_IFELSE([AC_LANG_PROGRAM([[
#include <pthread.h>
static __thread void *slot __attribute__((tls_model("initial-exec")));
static void *run(void *arg) { return slot == 0 ? arg : 0; }
]], [[
  pthread_t t;
  void *r = 0;
  slot = &t;
  if (pthread_create(&t, 0, run, &t) != 0 || pthread_join(t, &r) != 0) return 1;
  return (r == &t && slot == &t) ? 0 : 1;
]])], [mi_cv_tls_initial_exec=yes], [mi_cv_tls_initial_exec=no],
  [AC_LINK_IFELSE([AC_LANG_PROGRAM(
    [[static __thread void *slot __attribute__((tls_model("initial-exec")));]],
    [[slot = &slot; return slot == 0;]])],
    [mi_cv_tls_initial_exec=yes], [mi_cv_tls_initial_exec=no])])
  LIBS=$mi_save_LIBS
])])
