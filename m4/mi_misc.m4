# mi_misc.m4 - small probes used by configure.ac.             -*- Autoconf -*-

# MI_CHECK_CFLAG(FLAG, [ACTION-IF-SUPPORTED])
# -------------------------------------------
# Does the C compiler accept FLAG (warnings as errors)?  Cached per flag.
AC_DEFUN([MI_CHECK_CFLAG], [
  AS_VAR_PUSHDEF([mi_cache], [mi_cv_cflag_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [mi_cache], [
    mi_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $1"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])], [AS_VAR_SET([mi_cache], [yes])],
                      [AS_VAR_SET([mi_cache], [no])])
    CFLAGS=$mi_save_CFLAGS])
  AS_VAR_IF([mi_cache], [yes], [$2])
  AS_VAR_POPDEF([mi_cache])
])

# MI_CHECK_PTHREAD
# -----------------
# Threads are needed by the library and its tests: check that -pthread links.
AC_DEFUN([MI_CHECK_PTHREAD], [
AC_CACHE_CHECK([whether -pthread links], [mi_cv_pthread], [
  mi_save_LIBS=$LIBS
  LIBS="$LIBS -pthread"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>]],
                  [[pthread_key_t k; return pthread_key_create(&k, 0);]])],
                 [mi_cv_pthread=yes], [mi_cv_pthread=no])
  LIBS=$mi_save_LIBS])
AS_IF([test "x$mi_cv_pthread" = xyes], [PTHREAD_LIBS=-pthread],
      [AC_MSG_ERROR([POSIX threads are required (-pthread did not link)])])
AC_SUBST([PTHREAD_LIBS])
])
