/* options.c - the option table, environment parsing, and every message
 * mialloc prints (through an output callback; formatting on the stack). */
#include "internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>

typedef enum { MI_OPTION_UNINIT, MI_OPTION_DEFAULTED, MI_OPTION_INITIALIZED } mi_option_init_t;
typedef enum { MI_OPT_BOOL, MI_OPT_NUMBER, MI_OPT_SIZE } mi_option_kind_t;

typedef struct mi_option_desc_s {
  long value;
  mi_option_init_t init;
  const char *name;      /* MIALLOC_<NAME> in upper case */
  mi_option_kind_t kind; /* a size takes K/M/G suffixes and is kept in KiB */
  long min, max;         /* the range an environment value is clamped to */
} mi_option_desc_t;

#define MI_BOOL MI_OPT_BOOL, 0, 1
#define MI_ANY MI_OPT_NUMBER, LONG_MIN, LONG_MAX
/* one of mimalloc's options that mialloc keeps, reads and returns, no more:
 * they come last, from the first of them on */
#define MI_COMPAT(opt, value, ...) [mi_option_##opt] = {value, MI_OPTION_UNINIT, #opt, __VA_ARGS__}
#define MI_COMPAT_FIRST mi_option_deprecated_eager_commit
/* 128 TiB, more than any address space; where a long has 32 bits, 1 TiB */
#define MI_KIB_MAX ((long)(sizeof(long) > 4 ? ((long long)1 << 37) : ((long long)1 << 30)))

/* The one table of options, in mi_option_t order: default, name, kind, range. */
static mi_option_desc_t options[_mi_option_last] = {
    [mi_option_show_errors] = {0, MI_OPTION_UNINIT, "show_errors", MI_BOOL},
    [mi_option_show_stats] = {0, MI_OPTION_UNINIT, "show_stats", MI_BOOL},
    [mi_option_verbose] = {0, MI_OPTION_UNINIT, "verbose", MI_BOOL},
    [mi_option_eager_commit] = {1, MI_OPTION_UNINIT, "eager_commit", MI_BOOL},
    [mi_option_arena_eager_commit] = {2, MI_OPTION_UNINIT, "arena_eager_commit", MI_OPT_NUMBER, 0, 2},
    [mi_option_purge_decommits] = {1, MI_OPTION_UNINIT, "purge_decommits", MI_BOOL},
    [mi_option_allow_large_os_pages] = {0, MI_OPTION_UNINIT, "allow_large_os_pages", MI_BOOL},
    [mi_option_reserve_os_memory] = {0, MI_OPTION_UNINIT, "reserve_os_memory", MI_OPT_SIZE, 0, MI_KIB_MAX},
    [mi_option_limit_os_alloc] = {0, MI_OPTION_UNINIT, "limit_os_alloc", MI_BOOL},
    /* msecs; -1 never, and so is anything beyond the clock's range */
    [mi_option_purge_delay] = {MI_PURGE_DELAY_DEFAULT, MI_OPTION_UNINIT, "purge_delay", MI_OPT_NUMBER, -1, LONG_MAX},
    [mi_option_max_errors] = {16, MI_OPTION_UNINIT, "max_errors", MI_OPT_NUMBER, 0, LONG_MAX},
    [mi_option_max_warnings] = {16, MI_OPTION_UNINIT, "max_warnings", MI_OPT_NUMBER, 0, LONG_MAX},
    [mi_option_arena_purge_mult] = {10, MI_OPTION_UNINIT, "arena_purge_mult", MI_OPT_NUMBER, 0, 1000},
    [mi_option_secure] = {MI_SECURE, MI_OPTION_UNINIT, "secure", MI_OPT_NUMBER, 0, 1},
    /* GiB; the NUMA node, -1 for any */
    [mi_option_reserve_huge_os_pages] = {0, MI_OPTION_UNINIT, "reserve_huge_os_pages", MI_OPT_NUMBER, 0, 1L << 17},
    [mi_option_reserve_huge_os_pages_at] = {-1, MI_OPTION_UNINIT, "reserve_huge_os_pages_at", MI_OPT_NUMBER, -1, 1023},
    [mi_option_abort_on_error] = {0, MI_OPTION_UNINIT, "abort_on_error", MI_BOOL},
    /* mimalloc 3's other options, with its defaults: no effect here */
    MI_COMPAT(deprecated_eager_commit, 0, MI_ANY),
    MI_COMPAT(deprecated_segment_cache, 0, MI_ANY),
    MI_COMPAT(deprecated_page_reset, 0, MI_ANY),
    MI_COMPAT(deprecated_abandoned_page_purge, 0, MI_ANY),
    MI_COMPAT(deprecated_segment_reset, 0, MI_ANY),
    MI_COMPAT(deprecated_eager_commit_delay, 0, MI_ANY),
    MI_COMPAT(use_numa_nodes, 0, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(os_tag, 100, MI_OPT_NUMBER, 0, 255),
    MI_COMPAT(deprecated_max_segment_reclaim, 10, MI_ANY),
    MI_COMPAT(destroy_on_exit, 0, MI_OPT_NUMBER, 0, 2),
    MI_COMPAT(arena_reserve, 1048576, MI_OPT_SIZE, 0, MI_KIB_MAX),
    MI_COMPAT(deprecated_purge_extend_delay, 1, MI_ANY),
    MI_COMPAT(disallow_arena_alloc, 0, MI_BOOL),
    MI_COMPAT(retry_on_oom, 400, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(visit_abandoned, 0, MI_BOOL),
    MI_COMPAT(guarded_min, 0, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(guarded_max, 0, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(guarded_precise, 0, MI_BOOL),
    MI_COMPAT(guarded_sample_rate, 0, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(guarded_sample_seed, 0, MI_ANY),
    MI_COMPAT(generic_collect, 10000, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(page_reclaim_on_free, 0, MI_OPT_NUMBER, -1, 1),
    MI_COMPAT(page_full_retain, 2, MI_OPT_NUMBER, -1, LONG_MAX),
    MI_COMPAT(page_max_candidates, 4, MI_OPT_NUMBER, 0, LONG_MAX),
    MI_COMPAT(max_vabits, 0, MI_OPT_NUMBER, 0, 64),
    MI_COMPAT(pagemap_commit, 0, MI_BOOL),
    MI_COMPAT(page_commit_on_demand, 0, MI_BOOL),
    MI_COMPAT(page_max_reclaim, -1, MI_OPT_NUMBER, -1, LONG_MAX),
    MI_COMPAT(page_cross_thread_max_reclaim, 16, MI_OPT_NUMBER, -1, LONG_MAX),
    MI_COMPAT(allow_thp, 1, MI_BOOL),
    MI_COMPAT(minimal_purge_size, 0, MI_OPT_SIZE, 0, MI_KIB_MAX),
    MI_COMPAT(arena_max_object_size, 2097152, MI_OPT_SIZE, 0, MI_KIB_MAX),
    MI_COMPAT(arena_is_numa_local, 0, MI_BOOL),
};

static bool option_valid(mi_option_t option) {
  return option >= 0 && option < _mi_option_last;
}

/* ---- reading a value ----------------------------------------------------------- */

typedef enum { MI_PARSE_OK, MI_PARSE_INVALID, MI_PARSE_OVERFLOW } mi_parse_t;

/* *v * scale, false (and *v saturated) on overflow; *v >= 0. */
static bool scale_up(long *v, long scale) {
  if (*v > LONG_MAX / scale) {
    *v = LONG_MAX;
    return false;
  }
  *v *= scale;
  return true;
}

/* MIALLOC_<NAME> (in `name`), or when that is unset mimalloc's name of
 * the option, MIMALLOC_<NAME> (or its other names, below); `name` is left
 * holding the variable that was found. */
static bool getenv_or_mimalloc(char *name, size_t name_size, char *buf, size_t size) {
  static const char *const renamed[][2] = {
      {"LIMIT_OS_ALLOC", "DISALLOW_OS_ALLOC"},   {"ALLOW_LARGE_OS_PAGES", "LARGE_OS_PAGES"},
      {"ARENA_EAGER_COMMIT", "EAGER_REGION_COMMIT"}, {"PURGE_DECOMMITS", "RESET_DECOMMITS"},
      {"PURGE_DELAY", "RESET_DELAY"},
  };
  if (_mi_prim_getenv(name, buf, size))
    return true;
  const char *upper = name + strlen("MIALLOC_");
  char alias[64];
  _mi_snprintf(alias, sizeof alias, "MIMALLOC_%s", upper);
  bool found = _mi_prim_getenv(alias, buf, size);
  for (size_t i = 0; !found && i < sizeof renamed / sizeof renamed[0]; i++)
    if (!strcmp(upper, renamed[i][0])) {
      _mi_snprintf(alias, sizeof alias, "MIMALLOC_%s", renamed[i][1]);
      found = _mi_prim_getenv(alias, buf, size);
    }
  if (found)
    _mi_snprintf(name, name_size, "%s", alias);
  return found;
}

/* A decimal integer with an optional sign; overflow saturates. */
static mi_parse_t parse_number(const char **s, long *value) {
  const char *p = *s;
  bool neg = *p == '-';
  if (*p == '-' || *p == '+')
    p++;
  if (!isdigit((unsigned char)*p))
    return MI_PARSE_INVALID;
  unsigned long v = 0, limit = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
  bool over = false;
  for (; isdigit((unsigned char)*p); p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (limit - d) / 10)
      over = true, v = limit;
    else if (!over)
      v = v * 10 + d;
  }
  *s = p;
  *value = neg ? (v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v) : (long)v;
  return over ? MI_PARSE_OVERFLOW : MI_PARSE_OK;
}

/* A size: bytes, or KiB, MiB, GiB with a suffix K, M, G (KB, KiB ... in
 * any case); the value is in KiB, bytes rounded up. */
static mi_parse_t parse_size_suffix(const char *s, long *value) {
  long scale = 0;
  switch (tolower((unsigned char)*s)) {
  case 'k': scale = 1; break;
  case 'm': scale = 1024; break;
  case 'g': scale = 1024 * 1024; break;
  case 0: break;
  default: return MI_PARSE_INVALID;
  }
  if (scale != 0) {
    s++;
    if (tolower((unsigned char)*s) == 'i')
      s++;
    if (tolower((unsigned char)*s) == 'b')
      s++;
  }
  if (*s != 0)
    return MI_PARSE_INVALID;
  if (*value < 0) /* out of every size's range: kept as it is, for the warning */
    return MI_PARSE_OK;
  if (scale == 0) {
    *value = *value / 1024 + (*value % 1024 != 0);
    return MI_PARSE_OK;
  }
  return scale_up(value, scale) ? MI_PARSE_OK : MI_PARSE_OVERFLOW;
}

/* "1", "-1", "on", "yes", "true", "" (1), "off", "no", "false" (0), and
 * for sizes "64K", "2MiB", "1G", "4096" (bytes; kept in KiB). */
static mi_parse_t parse_value(const char *s, mi_option_kind_t kind, long *value) {
  static const char *const words[] = {"", "on", "yes", "true", "off", "no", "false"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcasecmp(s, words[i]) == 0) {
      *value = i < 4;
      return MI_PARSE_OK;
    }
  mi_parse_t r = parse_number(&s, value);
  if (r == MI_PARSE_INVALID)
    return r;
  if (kind == MI_OPT_SIZE) {
    mi_parse_t rs = parse_size_suffix(s, value);
    return rs == MI_PARSE_INVALID ? rs : r == MI_PARSE_OVERFLOW ? r : rs;
  }
  return *s == 0 ? r : MI_PARSE_INVALID;
}

/* An option's value as it would be written in the environment. */
static void value_format(char *buf, size_t size, const mi_option_desc_t *desc, long v) {
  if (desc->kind != MI_OPT_SIZE || v <= 0)
    _mi_snprintf(buf, size, "%ld", v);
  else if (v % (1024 * 1024) == 0)
    _mi_snprintf(buf, size, "%ldG", v / (1024 * 1024));
  else if (v % 1024 == 0)
    _mi_snprintf(buf, size, "%ldM", v / 1024);
  else
    _mi_snprintf(buf, size, "%ldK", v);
}

static void message_always(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The environment's value, if any, checked: a value that is not one, or is
 * out of the option's range, is reported (once: an option is read once)
 * with what is used instead; the default, or the nearest end of the range. */
static void option_init(mi_option_desc_t *desc) {
  char name[64] = "MIALLOC_", buf[128], used[32];
  size_t n = strlen(name);
  for (const char *s = desc->name; *s && n < sizeof name - 1; s++)
    name[n++] = (char)toupper((unsigned char)*s);
  name[n] = 0;
  desc->init = MI_OPTION_DEFAULTED;
  if (!getenv_or_mimalloc(name, sizeof name, buf, sizeof buf))
    return;
  long value = desc->value;
  mi_parse_t r = strlen(buf) >= sizeof buf - 1 ? MI_PARSE_INVALID : parse_value(buf, desc->kind, &value);
  if (r == MI_PARSE_INVALID) {
    value_format(used, sizeof used, desc, desc->value);
    message_always("mialloc: warning: ", "%s=\"%s\" is not a valid %s: using the default, %s\n", name, buf,
                   desc->kind == MI_OPT_BOOL ? "boolean (0, 1, on, off, yes, no, true, false)"
                   : desc->kind == MI_OPT_SIZE ? "size (bytes, or with a K, M or G suffix)"
                                               : "number",
                   used);
    return;
  }
  long clamped = value < desc->min ? desc->min : value > desc->max ? desc->max : value;
  if (r == MI_PARSE_OVERFLOW || clamped != value) {
    char lo[32], hi[32];
    value_format(used, sizeof used, desc, clamped);
    value_format(lo, sizeof lo, desc, desc->min);
    value_format(hi, sizeof hi, desc, desc->max);
    message_always("mialloc: warning: ", "%s=%s is out of range (%s to %s): using %s\n", name, buf, lo, hi, used);
  }
  desc->value = clamped;
  desc->init = MI_OPTION_INITIALIZED;
}

void _mi_options_init(void) {
  for (int i = 0; i < _mi_option_last; i++)
    if (options[i].init == MI_OPTION_UNINIT)
      option_init(&options[i]);
}

/* MIALLOC_VERBOSE: every option's effective value, and where it came from. */
/* Every option's value, one line each, through out (NULL: the registered
 * output, or stderr). */
void mi_options_print_out(mi_output_fun *out, void *arg) {
  for (int i = 0; i < _mi_option_last; i++) {
    bool no_effect = i >= MI_COMPAT_FIRST;
    if (no_effect && options[i].init != MI_OPTION_INITIALIZED)
      continue; /* mimalloc's, unset: nothing to say */
    char name[64], v[32], line[160];
    size_t n = 0;
    for (const char *s = options[i].name; *s && n < sizeof name - 1; s++)
      name[n++] = (char)toupper((unsigned char)*s);
    name[n] = 0;
    value_format(v, sizeof v, &options[i], _mi_option_get_fast((mi_option_t)i));
    _mi_snprintf(line, sizeof line, "option MIALLOC_%s=%s%s\n", name, v,
                 no_effect                                    ? " (mimalloc's option: no effect in mialloc)"
                 : options[i].init == MI_OPTION_INITIALIZED ? ""
                                                              : " (default)");
    _mi_fputs(out, arg, "mialloc: ", line);
  }
}

void _mi_options_print(void) { /* with MIALLOC_VERBOSE */
  mi_options_print_out(NULL, NULL);
}

long _mi_option_get_fast(mi_option_t option) {
  mi_option_desc_t *desc = &options[option];
  if (mi_unlikely(desc->init == MI_OPTION_UNINIT))
    option_init(desc);
  return desc->value;
}

long mi_option_get(mi_option_t option) {
  return option_valid(option) ? _mi_option_get_fast(option) : 0;
}

long mi_option_get_clamp(mi_option_t option, long min, long max) {
  long v = mi_option_get(option);
  return v < min ? min : v > max ? max : v;
}

size_t mi_option_get_size(mi_option_t option) {
  long v = mi_option_get(option);
  if (v <= 0)
    return 0;
  return options[option].kind == MI_OPT_SIZE ? (size_t)v * 1024 : (size_t)v;
}

void mi_option_set(mi_option_t option, long value) {
  if (!option_valid(option))
    return;
  options[option].value = value;
  options[option].init = MI_OPTION_INITIALIZED;
}

void mi_option_set_default(mi_option_t option, long value) {
  if (!option_valid(option))
    return;
  if (options[option].init == MI_OPTION_UNINIT)
    option_init(&options[option]); /* the environment still wins */
  if (options[option].init != MI_OPTION_INITIALIZED) {
    options[option].value = value;
    options[option].init = MI_OPTION_DEFAULTED;
  }
}

bool mi_option_is_enabled(mi_option_t option) {
  return mi_option_get(option) != 0;
}

void mi_option_set_enabled(mi_option_t option, bool enable) {
  mi_option_set(option, enable ? 1 : 0);
}

void mi_option_set_enabled_default(mi_option_t option, bool enable) {
  mi_option_set_default(option, enable ? 1 : 0);
}

void mi_option_enable(mi_option_t option) {
  mi_option_set_enabled(option, true);
}

void mi_option_disable(mi_option_t option) {
  mi_option_set_enabled(option, false);
}

/* ---- output -------------------------------------------------------------- */

static mi_output_fun *_Atomic output_fun;
static void *_Atomic output_arg;
static mi_error_fun *_Atomic error_fun;
static void *_Atomic error_arg;
static _Atomic(size_t) error_count, warning_count;
static _Atomic(size_t) errors_shown, errors_hidden; /* printed; beyond max_errors */

void mi_register_output(mi_output_fun *out, void *arg) {
  output_arg = arg;
  output_fun = out;
}

void mi_register_error(mi_error_fun *fun, void *arg) {
  error_arg = arg;
  error_fun = fun;
}

/* Writes prefix and msg through `out` (or the registered output, or stderr). */
void _mi_fputs(mi_output_fun *out, void *arg, const char *prefix, const char *msg) {
  if (out == NULL) {
    out = output_fun;
    arg = output_arg;
  }
  if (out == NULL) {
    if (prefix != NULL)
      _mi_prim_out_stderr(prefix);
    _mi_prim_out_stderr(msg);
    return;
  }
  if (prefix != NULL)
    out(prefix, arg);
  out(msg, arg);
}

void _mi_snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, size, fmt, args);
  va_end(args);
}

static void vmessage(const char *prefix, const char *fmt, va_list args) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, args);
  _mi_fputs(NULL, NULL, prefix, buf);
}

/* A message whatever show_errors and verbose say (bad option values). */
static void message_always(const char *prefix, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vmessage(prefix, fmt, args);
  va_end(args);
}

/* An error (internal.h says which kinds there are): counted, printed (up
 * to max_errors messages, then one line saying so) when it means memory
 * corruption, with show_errors, or with abort_on_error; passed to the
 * error callback; and with abort_on_error the end of the process. */
void _mi_error_message(int err, const char *fmt, ...) {
  int code = err & ~MI_ERROR_CORRUPT;
  bool corrupt = (err & MI_ERROR_CORRUPT) != 0 || code == EAGAIN || code == EFAULT;
  bool fatal = mi_option_is_enabled(mi_option_abort_on_error);
  atomic_fetch_add_explicit(&error_count, 1, memory_order_relaxed);
  if (corrupt || fatal || mi_option_is_enabled(mi_option_show_errors)) {
    size_t max = (size_t)mi_option_get_clamp(mi_option_max_errors, 0, LONG_MAX);
    size_t n = atomic_fetch_add_explicit(&errors_shown, 1, memory_order_relaxed);
    if (n < max || fatal) {
      va_list args;
      va_start(args, fmt);
      vmessage("mialloc: error: ", fmt, args);
      va_end(args);
    } else {
      atomic_fetch_add_explicit(&errors_hidden, 1, memory_order_relaxed);
      if (n == max)
        message_always("mialloc: error: ", "more errors are not shown (MIALLOC_MAX_ERRORS=%zu); the count "
                       "comes at exit\n", max);
    }
  }
  mi_error_fun *fun = error_fun;
  if (fun != NULL)
    fun(code, error_arg);
  if (fatal) {
    message_always("mialloc: ", "aborting (MIALLOC_ABORT_ON_ERROR)\n");
    abort();
  }
}

/* At exit: how many errors were reported, when any was printed. */
void _mi_errors_print_at_exit(void) {
  size_t shown = atomic_load_explicit(&errors_shown, memory_order_relaxed);
  if (shown == 0)
    return;
  size_t all = atomic_load_explicit(&error_count, memory_order_relaxed);
  size_t hidden = atomic_load_explicit(&errors_hidden, memory_order_relaxed);
  if (hidden > 0)
    message_always("mialloc: ", "%zu errors detected, %zu more not shown (MIALLOC_MAX_ERRORS=%ld)\n", all,
                   hidden, mi_option_get(mi_option_max_errors));
  else
    message_always("mialloc: ", "%zu error%s detected\n", all, all == 1 ? "" : "s");
}

/* A free block's link that fails its check (mi_block_next): here, with the
 * messages, so that every layer that walks a free list may report it. */
mi_decl_cold mi_block_t *_mi_block_corrupt(const mi_page_t *page, const mi_block_t *block, uintptr_t link) {
  _mi_error_message(EFAULT, "free list of page %p corrupted after %p: link %p leaves its segment "
                    "(overflow or use after free)\n", (const void *)page, (const void *)block, (void *)link);
  return NULL;
}

void _mi_warning_message(const char *fmt, ...) {
  size_t n = atomic_fetch_add_explicit(&warning_count, 1, memory_order_relaxed);
  if (!mi_option_is_enabled(mi_option_show_errors) && !mi_option_is_enabled(mi_option_verbose))
    return;
  if (n >= (size_t)mi_option_get_clamp(mi_option_max_warnings, 0, 1L << 30))
    return;
  va_list args;
  va_start(args, fmt);
  vmessage("mialloc: warning: ", fmt, args);
  va_end(args);
}

void _mi_verbose_message(const char *fmt, ...) {
  if (!mi_option_is_enabled(mi_option_verbose))
    return;
  va_list args;
  va_start(args, fmt);
  vmessage("mialloc: ", fmt, args);
  va_end(args);
}

void _mi_assert_fail(const char *assertion, const char *fname, unsigned line, const char *func) {
  _mi_error_message(EFAULT, "assertion failed: %s:%u: %s: %s\n", fname, line, func, assertion);
  __builtin_trap();
}
