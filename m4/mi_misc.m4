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

# MI_CHECK_EXPORT_LIST
# ---------------------
# How the linker limits a shared library's exports to a list: a GNU
# version script (GNU ld, gold, lld for ELF), Apple's -exported_symbols_list
# (Apple's ld, ld64.lld), or not at all.  The probe is not fooled by a
# linker that accepts the option and ignores it: it links a library that
# defines two functions and lists one, then a program that calls the other,
# which must fail to link (and one that calls the listed one, which must
# link).  Only links, so it works when cross-compiling.  Sets
# mi_cv_export_list to version-script, exported-symbols-list or no.
AC_DEFUN([MI_CHECK_EXPORT_LIST], [
AC_CACHE_CHECK([how the linker limits a library's exports], [mi_cv_export_list], [
  AS_CASE([$host_os],
    [darwin*], [mi_el_kind=exported-symbols-list mi_el_shared=-dynamiclib mi_el_ext=dylib
                printf '_mi_probe_listed\n' >conftest.exp
                mi_el_flag=-Wl,-exported_symbols_list,conftest.exp],
    [mi_el_kind=version-script mi_el_shared="-shared -fPIC" mi_el_ext=so
     printf '{ global: mi_probe_listed; local: *; };\n' >conftest.exp
     mi_el_flag=-Wl,--version-script=conftest.exp])
  cat >conftest-lib.c <<_MI_EOF
int mi_probe_listed(void) { return 1; }
int mi_probe_unlisted(void) { return 2; }
_MI_EOF
  for mi_el_f in listed unlisted; do
    printf 'int mi_probe_%s(void);\nint main(void) { return mi_probe_%s(); }\n' $mi_el_f $mi_el_f >conftest-$mi_el_f.c
  done
  mi_cv_export_list=no
  mi_el_lib="$CC $CFLAGS $LDFLAGS $mi_el_shared -o conftest-lib.$mi_el_ext conftest-lib.c $mi_el_flag"
  mi_el_listed="$CC $CFLAGS $LDFLAGS -o conftest-listed$EXEEXT conftest-listed.c ./conftest-lib.$mi_el_ext"
  mi_el_unlisted="$CC $CFLAGS $LDFLAGS -o conftest-unlisted$EXEEXT conftest-unlisted.c ./conftest-lib.$mi_el_ext"
  AS_IF([AC_TRY_COMMAND([$mi_el_lib >&AS_MESSAGE_LOG_FD 2>&1]) &&
         AC_TRY_COMMAND([$mi_el_listed >&AS_MESSAGE_LOG_FD 2>&1])],
    [AS_IF([AC_TRY_COMMAND([$mi_el_unlisted >&AS_MESSAGE_LOG_FD 2>&1])],
       [_AS_ECHO_LOG([the program calling the unlisted function linked: the list was ignored])],
       [mi_cv_export_list=$mi_el_kind])])
  rm -rf conftest.exp conftest-lib.* conftest-listed* conftest-unlisted*
])])

# MI_CHECK_CXX_RUNTIME
# --------------------
# The C++ runtime library that a static libmialloc-cxx.a needs when a
# program is linked by the C compiler or by pkg-config --static: the first
# of -lstdc++ and -lc++ with which $CC links a reference to std::terminate
# (the same symbol in both ABIs).  Sets MI_CXX_RUNTIME_LIBS (empty if none).
AC_DEFUN([MI_CHECK_CXX_RUNTIME], [
AC_CACHE_CHECK([for the C++ runtime library], [mi_cv_cxx_runtime], [
  mi_cv_cxx_runtime=none
  mi_save_LIBS=$LIBS
  for mi_lib in -lstdc++ -lc++; do
    LIBS="$mi_save_LIBS $mi_lib"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[extern void _ZSt9terminatev(void);]],
                                    [[void (*volatile f)(void) = _ZSt9terminatev; return f == 0;]])],
                   [mi_cv_cxx_runtime=$mi_lib])
    test "x$mi_cv_cxx_runtime" != xnone && break
  done
  LIBS=$mi_save_LIBS])
AS_IF([test "x$mi_cv_cxx_runtime" = xnone], [MI_CXX_RUNTIME_LIBS=], [MI_CXX_RUNTIME_LIBS=$mi_cv_cxx_runtime])
AC_SUBST([MI_CXX_RUNTIME_LIBS])
])
