/* options.c - the option table, environment parsing, and every message
 * mialloc prints (through an output callback; formatting on the stack). */
#include "internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef enum { MI_OPTION_UNINIT, MI_OPTION_DEFAULTED, MI_OPTION_INITIALIZED } mi_option_init_t;

typedef struct mi_option_desc_s {
  long value;
  mi_option_init_t init;
  const char *name;  /* MIALLOC_<NAME> in upper case */
  bool is_size;      /* accepts K/M/G suffixes, value in KiB */
} mi_option_desc_t;

/* The one table of options, in mi_option_t order, with defaults. */
static mi_option_desc_t options[_mi_option_last] = {
    [mi_option_show_errors] = {0, MI_OPTION_UNINIT, "show_errors", false},
    [mi_option_show_stats] = {0, MI_OPTION_UNINIT, "show_stats", false},
    [mi_option_verbose] = {0, MI_OPTION_UNINIT, "verbose", false},
    [mi_option_eager_commit] = {1, MI_OPTION_UNINIT, "eager_commit", false},
    [mi_option_arena_eager_commit] = {2, MI_OPTION_UNINIT, "arena_eager_commit", false},
    [mi_option_purge_decommits] = {1, MI_OPTION_UNINIT, "purge_decommits", false},
    [mi_option_allow_large_os_pages] = {0, MI_OPTION_UNINIT, "allow_large_os_pages", false},
    [mi_option_reserve_os_memory] = {0, MI_OPTION_UNINIT, "reserve_os_memory", true},
    [mi_option_limit_os_alloc] = {0, MI_OPTION_UNINIT, "limit_os_alloc", false},
    [mi_option_purge_delay] = {10, MI_OPTION_UNINIT, "purge_delay", false},
    [mi_option_max_errors] = {16, MI_OPTION_UNINIT, "max_errors", false},
    [mi_option_max_warnings] = {16, MI_OPTION_UNINIT, "max_warnings", false},
    [mi_option_arena_purge_mult] = {10, MI_OPTION_UNINIT, "arena_purge_mult", false},
    [mi_option_secure] = {MI_SECURE, MI_OPTION_UNINIT, "secure", false},
    [mi_option_reserve_huge_os_pages] = {0, MI_OPTION_UNINIT, "reserve_huge_os_pages", false},
    [mi_option_reserve_huge_os_pages_at] = {-1, MI_OPTION_UNINIT, "reserve_huge_os_pages_at", false},
};

static bool option_valid(mi_option_t option) {
  return option >= 0 && option < _mi_option_last;
}

/* Parses "1", "-1", "on", "yes", "true", "off", "no", "false", and for
 * sizes "64K", "2M", "1G" (the value is kept in KiB). */
static bool parse_value(const char *s, bool is_size, long *value) {
  char low[16];
  size_t n = 0;
  for (; s[n] != 0 && n < sizeof low - 1; n++)
    low[n] = (char)tolower((unsigned char)s[n]);
  low[n] = 0;
  if (!strcmp(low, "on") || !strcmp(low, "yes") || !strcmp(low, "true") || !strcmp(low, "")) {
    *value = 1;
    return true;
  }
  if (!strcmp(low, "off") || !strcmp(low, "no") || !strcmp(low, "false")) {
    *value = 0;
    return true;
  }
  char *end;
  long v = strtol(low, &end, 10);
  if (end == low)
    return false;
  if (is_size) {
    long scale = 0; /* bytes given without a suffix */
    if (*end == 'k') scale = 1, end++;
    else if (*end == 'm') scale = 1024, end++;
    else if (*end == 'g') scale = 1024 * 1024, end++;
    if (*end == 'i') end++;
    if (*end == 'b') end++;
    v = scale == 0 ? (v + 1023) / 1024 : v * scale;
  }
  if (*end != 0)
    return false;
  *value = v;
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

static void option_init(mi_option_desc_t *desc) {
  char name[64] = "MIALLOC_", buf[64];
  size_t n = strlen(name);
  for (const char *s = desc->name; *s && n < sizeof name - 1; s++)
    name[n++] = (char)toupper((unsigned char)*s);
  name[n] = 0;
  desc->init = MI_OPTION_DEFAULTED;
  if (!getenv_or_mimalloc(name, sizeof name, buf, sizeof buf))
    return;
  long value;
  if (parse_value(buf, desc->is_size, &value)) {
    desc->value = value;
    desc->init = MI_OPTION_INITIALIZED;
  } else {
    _mi_warning_message("environment option %s has an invalid value \"%s\" (ignored)\n", name, buf);
  }
}

void _mi_options_init(void) {
  for (int i = 0; i < _mi_option_last; i++)
    if (options[i].init == MI_OPTION_UNINIT)
      option_init(&options[i]);
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
  return options[option].is_size ? (size_t)v * 1024 : (size_t)v;
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

/* An error: counted, passed to the error callback, and printed when
 * show_errors is on (up to max_errors messages). */
void _mi_error_message(int err, const char *fmt, ...) {
  size_t n = atomic_fetch_add_explicit(&error_count, 1, memory_order_relaxed);
  if (mi_option_is_enabled(mi_option_show_errors) &&
      n < (size_t)mi_option_get_clamp(mi_option_max_errors, 0, 1L << 30)) {
    va_list args;
    va_start(args, fmt);
    vmessage("mialloc: error: ", fmt, args);
    va_end(args);
  }
  mi_error_fun *fun = error_fun;
  if (fun != NULL)
    fun(err, error_arg);
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
