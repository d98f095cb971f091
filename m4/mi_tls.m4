# mi_tls.m4 - probes for the thread-local storage mechanisms.   -*- Autoconf -*-
#
# Each probe links, and unless cross-compiling runs, a small program, and
# caches its answer (yes, no, or "yes (not run: cross-compiling)").

# _MI_TLS_MODEL_PROGRAM(MODEL)
# ----------------------------
# A __thread variable of tls_model MODEL must start at 0 in a new thread and
# keep each thread's own value.
m4_define([_MI_TLS_MODEL_PROGRAM], [AC_LANG_PROGRAM([[
#include <pthread.h>
static __thread void *slot __attribute__((tls_model("$1")));
static void *run(void *arg) { if (slot != 0) return 0; slot = &slot; return arg; }
]], [[
  pthread_t t;
  void *r = 0;
  slot = &t;
  if (pthread_create(&t, 0, run, &t) != 0 || pthread_join(t, &r) != 0) return 1;
  return (r == &t && slot == &t) ? 0 : 1;
]])])

# MI_CHECK_TLS_MODEL(MODEL, CACHE-VARIABLE)
# -----------------------------------------
AC_DEFUN([MI_CHECK_TLS_MODEL], [
AC_CACHE_CHECK([for $1 __thread variables], [$2], [
  mi_save_LIBS=$LIBS
  LIBS="$LIBS -pthread"
  AC_RUN_IFELSE([_MI_TLS_MODEL_PROGRAM([$1])], [$2=yes], [$2=no],
    [AC_LINK_IFELSE([_MI_TLS_MODEL_PROGRAM([$1])],
                    [$2="yes (not run: cross-compiling)"], [$2=no])])
  LIBS=$mi_save_LIBS
])])

# MI_CHECK_TLS_INITIAL_EXEC / MI_CHECK_TLS_DYNAMIC
# ------------------------------------------------
AC_DEFUN([MI_CHECK_TLS_INITIAL_EXEC], [MI_CHECK_TLS_MODEL([initial-exec], [mi_cv_tls_initial_exec])])
AC_DEFUN([MI_CHECK_TLS_DYNAMIC], [MI_CHECK_TLS_MODEL([global-dynamic], [mi_cv_tls_dynamic])])

# _MI_TLS_SLOT_PROGRAM(SLOT)
# --------------------------
# Slot SLOT of the thread control block (x86-64 Linux: %fs:8*SLOT) must read
# 0 in the main thread and in a new thread, and a value written there must
# survive calls into libc (stdio, malloc, thread creation).
m4_define([_MI_TLS_SLOT_PROGRAM], [AC_LANG_PROGRAM([[
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#if defined(__x86_64__) && defined(__linux__)
static uintptr_t load(void) {
  uintptr_t v;
  __asm__ volatile("movq %%fs:%c1, %0" : "=r"(v) : "i"(($1) * 8));
  return v;
}
static void store(uintptr_t v) { __asm__ volatile("movq %0, %%fs:%c1" : : "r"(v), "i"(($1) * 8) : "memory"); }
#elif defined(__x86_64__) && defined(__APPLE__)
static uintptr_t load(void) {
  uintptr_t v;
  __asm__ volatile("movq %%gs:%c1, %0" : "=r"(v) : "i"(($1) * 8));
  return v;
}
static void store(uintptr_t v) { __asm__ volatile("movq %0, %%gs:%c1" : : "r"(v), "i"(($1) * 8) : "memory"); }
#elif defined(__aarch64__) && defined(__APPLE__)
static volatile uintptr_t *tsd(void) {
  uintptr_t t;
  __asm__ volatile("mrs %0, tpidrro_el0" : "=r"(t));
  return (volatile uintptr_t *)(t & ~(uintptr_t)7);
}
static uintptr_t load(void) { return tsd()[$1]; }
static void store(uintptr_t v) { tsd()[$1] = v; }
#else
#error "no direct access to the thread control block here"
#endif
static int exercise(uintptr_t mark) {
  char buf[64];
  if (load() != 0) return 1;
  store(mark);
  snprintf(buf, sizeof buf, "%p %d", (void *)buf, 42);
  void *p = malloc(1000);
  memset(p, 1, 1000);
  free(p);
  return load() == mark ? 0 : 1;
}
static void *run(void *arg) { return exercise(0x5eed0000u) == 0 ? arg : 0; }
]], [[
  pthread_t t;
  void *r = 0;
  if (exercise(0x1234000u) != 0) return 1;
  if (pthread_create(&t, 0, run, &t) != 0 || pthread_join(t, &r) != 0 || r != &t) return 2;
  int ok = load() == 0x1234000u;
  store(0);
  return ok ? 0 : 3;
]])])

# MI_CHECK_TLS_SLOT(SLOT)
# -----------------------
# Sets mi_cv_tls_slot_SLOT.
AC_DEFUN([MI_CHECK_TLS_SLOT], [
AS_VAR_PUSHDEF([mi_cache], [mi_cv_tls_slot_$1])
AC_CACHE_CHECK([whether thread-control-block slot $1 is free to use], [mi_cache], [
  mi_save_LIBS=$LIBS
  LIBS="$LIBS -pthread"
  AC_RUN_IFELSE([_MI_TLS_SLOT_PROGRAM([$1])], [AS_VAR_SET([mi_cache], [yes])], [AS_VAR_SET([mi_cache], [no])],
    [AC_LINK_IFELSE([_MI_TLS_SLOT_PROGRAM([$1])],
                    [AS_VAR_SET([mi_cache], ["yes (not run: cross-compiling)"])],
                    [AS_VAR_SET([mi_cache], [no])])])
  LIBS=$mi_save_LIBS
])
AS_VAR_COPY([mi_tls_slot_probe], [mi_cache])
AS_VAR_POPDEF([mi_cache])
])

# MI_TLS_VALIDATE_SLOT(VALUE)
# ---------------------------
# Check a --with-tls-slot value ("default" for the platform's default)
# against what the platform is known to use; fail naming the allowed values.
# Sets mi_tls_slot.
AC_DEFUN([MI_TLS_VALIDATE_SLOT], [
mi_slot=$1
AC_MSG_CHECKING([the thread-control-block slot for the heap pointer])
AS_CASE([$host_cpu-$host_os],
  [x86_64-linux-gnu*], [mi_slot_os=glibc; mi_slot_default=7; mi_slot_allowed="7 or 8"],
  [x86_64-darwin*|aarch64-darwin*|arm64-darwin*],
    [mi_slot_os=darwin; mi_slot_default=; mi_slot_allowed="a TSD slot from 10 to 255 that no Apple component uses"],
  [AC_MSG_RESULT([unavailable])
   AC_MSG_ERROR([--with-tls=slot is not available on $host: mialloc knows of no free word with direct access in its thread control block (aarch64 Linux, for one, has none); use --with-tls=initial-exec, dynamic or pthread])])
AS_IF([test "x$mi_slot" = xdefault], [
  AS_IF([test -z "$mi_slot_default"],
    [AC_MSG_ERROR([--with-tls=slot on $host needs --with-tls-slot=N: use $mi_slot_allowed])])
  mi_slot=$mi_slot_default])
AS_CASE([$mi_slot],
  [""|*[[!0-9]]*],
    [AC_MSG_ERROR([invalid value '$mi_slot' for --with-tls-slot: not a non-negative integer; use $mi_slot_allowed])])
mi_slot=`expr "X$mi_slot" : 'X0*\(.*\)'`
test -n "$mi_slot" || mi_slot=0
mi_slot_owner=
AS_CASE([$mi_slot_os],
  [glibc], [
    AS_CASE([$mi_slot],
      [7|8], [],
      [0], [mi_slot_owner="the control block's own address (tcb)"],
      [1], [mi_slot_owner="the dynamic thread vector (dtv)"],
      [2], [mi_slot_owner="the thread's self pointer"],
      [3], [mi_slot_owner="multiple_threads and gscope_flag"],
      [4], [mi_slot_owner="sysinfo"],
      [5], [mi_slot_owner="the stack protector's guard (stack_guard, %fs:0x28)"],
      [6], [mi_slot_owner="the pointer guard (pointer_guard, %fs:0x30)"],
      [9], [mi_slot_owner="feature_1 (control-flow enforcement)"],
      [10|11|12|13|14|15], [mi_slot_owner="private to glibc (transactional memory, shadow stack)"],
      [mi_slot_owner="outside the control block header (slots 0 to 15)"])
    AS_IF([test -n "$mi_slot_owner"],
      [AC_MSG_RESULT([$mi_slot: taken])
       AC_MSG_ERROR([invalid value '$mi_slot' for --with-tls-slot: on x86-64 glibc slot $mi_slot is $mi_slot_owner; use 7 or 8, the words glibc leaves unused])])],
  [darwin], [
    AS_IF([test "$mi_slot" -le 9],
            [mi_slot_error="reserved for libsystem (pthread self, errno, MIG reply, Mach thread, QoS)"],
          [test "$mi_slot" -ge 256 && test "$mi_slot" -le 767],
            [mi_slot_error="in the range pthread_key_create hands out (256 to 767), so some other component may be given it"],
          [test "$mi_slot" -gt 767],
            [mi_slot_error="outside the TSD array (0 to 767)"],
          [mi_slot_error=])
    AS_IF([test -n "$mi_slot_error"],
      [AC_MSG_RESULT([$mi_slot: unusable])
       AC_MSG_ERROR([invalid value '$mi_slot' for --with-tls-slot: TSD slot $mi_slot is $mi_slot_error; use $mi_slot_allowed, or better --with-tls=pthread])])
    AS_IF([test "$mi_slot" -le 19], [mi_slot_owner="Libc and dyld"],
          [test "$mi_slot" -le 29], [mi_slot_owner="libdispatch"],
          [test "$mi_slot" -le 39], [mi_slot_owner="the graphics frameworks (OpenGL)"],
          [test "$mi_slot" -le 49], [mi_slot_owner="the Objective-C runtime"],
          [test "$mi_slot" -le 59], [mi_slot_owner="CoreFoundation"],
          [test "$mi_slot" -le 69], [mi_slot_owner="Foundation"],
          [test "$mi_slot" -le 79], [mi_slot_owner="QuartzCore"],
          [test "$mi_slot" -le 89], [mi_slot_owner="CoreData (slot 89 is the one the Contacts framework overwrote under mimalloc)"],
          [test "$mi_slot" -le 94], [mi_slot_owner="JavaScriptCore"],
          [test "$mi_slot" -le 99], [mi_slot_owner="CoreText (95) or a neighbour of it"],
          [test "$mi_slot" -le 109], [mi_slot_owner="the Swift runtime (108 and 109 collided between two copies of an allocator)"],
          [test "$mi_slot" -le 114], [mi_slot_owner="libmalloc (112 is __PTK_LIBMALLOC_KEY2)"],
          [test "$mi_slot" -le 129], [mi_slot_owner="libdispatch workgroups and CoreFoundation (126 and 127 crashed at thread exit)"],
          [test "$mi_slot" -ge 190 && test "$mi_slot" -le 194], [mi_slot_owner="PerfUtils"],
          [test "$mi_slot" -ge 210 && test "$mi_slot" -le 229], [mi_slot_owner="libSystem inside the iOS simulator"],
          [mi_slot_owner=])
    AS_IF([test -n "$mi_slot_owner"],
      [AC_MSG_WARN([TSD slot $mi_slot is assigned to $mi_slot_owner; mialloc detects a foreign value and falls back to a pthread key, but --with-tls=pthread is the safe choice on macOS])],
      [AC_MSG_WARN([TSD slot $mi_slot has no known owner today, but Apple assigns slots 10 to 255 to its own components without notice; --with-tls=pthread is the safe choice on macOS])])])
AC_MSG_RESULT([$mi_slot])
mi_tls_slot=$mi_slot
])
