/* zone.c - mialloc as the default malloc zone of macOS.
 *
 * Interposing (override-darwin.c) sends malloc, free and the rest of libc's
 * names to mialloc.  Code that goes through the zone interface instead -
 * malloc_zone_malloc(malloc_default_zone(), ...), malloc_zone_from_ptr,
 * malloc_zone_statistics, the frameworks' own allocators - finds mialloc
 * through this zone, which is made the default one (the first registered)
 * when the library loads.
 *
 * The zones that were there before keep their blocks: everything allocated
 * before mialloc was loaded, and blocks of zones that programs create.
 * free and realloc hand such a pointer back to the zone that owns it: this
 * file registers the other zones as free.c's foreign allocator.  This zone's
 * own size query answers for mialloc's blocks only, since libmalloc asks
 * every zone in turn to find a pointer's owner. */
#include "internal.h"

#include <mach/mach.h>

#if defined(HAVE_MALLOC_MALLOC_H)
#include <malloc/malloc.h>
#else
#include "malloc-zone.h"
#endif

#define MI_ZONE_VERSION 10 /* up to claimed_address (malloc-zone.h) */

static malloc_zone_t mi_zone;

/* ---- the zone's functions --------------------------------------------------- */

static size_t zone_size(malloc_zone_t *zone, const void *p) {
  return _mi_usable_size_of(p, false, NULL);
}

static void *zone_malloc(malloc_zone_t *zone, size_t size) {
  return mi_malloc(size);
}

static void *zone_calloc(malloc_zone_t *zone, size_t count, size_t size) {
  return mi_calloc(count, size);
}

/* libmalloc promises page-aligned and zeroed */
static void *zone_valloc(malloc_zone_t *zone, size_t size) {
  return mi_zalloc_aligned(size, _mi_os_page_size());
}

static void zone_free(malloc_zone_t *zone, void *p) {
  mi_free(p);
}

static void *zone_realloc(malloc_zone_t *zone, void *p, size_t size) {
  return mi_realloc(p, size);
}

/* The default zone lives as long as the process. */
static void zone_destroy(malloc_zone_t *zone) {
}

static unsigned zone_batch_malloc(malloc_zone_t *zone, size_t size, void **results, unsigned count) {
  unsigned n = 0;
  while (n < count && (results[n] = mi_malloc(size)) != NULL)
    n++;
  return n;
}

static void zone_batch_free(malloc_zone_t *zone, void **ptrs, unsigned count) {
  for (unsigned i = 0; i < count; i++)
    mi_free(ptrs[i]);
}

static void *zone_memalign(malloc_zone_t *zone, size_t alignment, size_t size) {
  return mi_malloc_aligned(size, alignment);
}

static void zone_free_definite_size(malloc_zone_t *zone, void *p, size_t size) {
  mi_free_size(p, size);
}

/* Memory pressure: give back what this thread and the segment cache hold;
 * returns the bytes that stopped being committed. */
static size_t zone_pressure_relief(malloc_zone_t *zone, size_t goal) {
  int64_t before = __atomic_load_n(&_mi_stats.committed.current, __ATOMIC_RELAXED);
  mi_collect(true);
  int64_t after = __atomic_load_n(&_mi_stats.committed.current, __ATOMIC_RELAXED);
  return before > after ? (size_t)(before - after) : 0;
}

static boolean_t zone_claimed_address(malloc_zone_t *zone, void *p) {
  return _mi_segment_of_checked(p) != NULL;
}

/* ---- introspection -------------------------------------------------------------- */

/* Ranges go to the recorder in batches. */
#define MI_ZONE_BATCH 64
typedef struct enumeration_s {
  task_t task;
  void *context;
  unsigned type_mask;
  vm_range_recorder_t *recorder;
  vm_range_t ranges[3][MI_ZONE_BATCH]; /* per kind: header, pages, blocks */
  unsigned count[3];
} enumeration_t;

static const unsigned range_type[3] = {MALLOC_ADMIN_REGION_RANGE_TYPE, MALLOC_PTR_REGION_RANGE_TYPE,
                                       MALLOC_PTR_IN_USE_RANGE_TYPE};

static void enumeration_flush(enumeration_t *e, size_t kind) {
  if (e->count[kind] > 0)
    e->recorder(e->task, e->context, range_type[kind], e->ranges[kind], e->count[kind]);
  e->count[kind] = 0;
}

static bool enumeration_add(mi_area_kind_t kind, void *start, size_t size, void *arg) {
  enumeration_t *e = arg;
  if (!(e->type_mask & range_type[kind]))
    return true;
  e->ranges[kind][e->count[kind]++] = (vm_range_t){(vm_address_t)start, (vm_size_t)size};
  if (e->count[kind] == MI_ZONE_BATCH)
    enumeration_flush(e, kind);
  return true;
}

/* mialloc's memory in this process: segment headers (admin), block areas
 * (regions) and live blocks (in use).  Another task's mialloc cannot be
 * walked from here: its maps are in its own memory. */
static kern_return_t intro_enumerator(task_t task, void *context, unsigned type_mask, vm_address_t zone_address,
                                      memory_reader_t reader, vm_range_recorder_t recorder) {
  if (task != mach_task_self() || recorder == NULL)
    return KERN_FAILURE;
  static enumeration_t e; /* 4.6 KiB; enumerations are rare and not reentrant */
  static mi_lock_t lock = MI_LOCK_INIT(MI_LOCK_ZONE);
  _mi_lock(&lock);
  e = (enumeration_t){.task = task, .context = context, .type_mask = type_mask, .recorder = recorder};
  _mi_visit_all_segments((type_mask & MALLOC_PTR_IN_USE_RANGE_TYPE) != 0, enumeration_add, &e);
  for (size_t kind = 0; kind < 3; kind++)
    enumeration_flush(&e, kind);
  _mi_unlock(&lock);
  return KERN_SUCCESS;
}

static size_t intro_good_size(malloc_zone_t *zone, size_t size) {
  return mi_good_size(size);
}

static boolean_t intro_check(malloc_zone_t *zone) {
  return true;
}

static void intro_print(malloc_zone_t *zone, boolean_t verbose) {
  mi_stats_print(NULL);
}

static void intro_log(malloc_zone_t *zone, void *address) {
}

/* No-ops: mialloc holds no lock across fork; its own fork handler
 * (process.c, pthread_atfork) makes the child's locks usable. */
static void intro_force_lock(malloc_zone_t *zone) {
}

static void intro_force_unlock(malloc_zone_t *zone) {
}

static void intro_reinit_lock(malloc_zone_t *zone) {
}

/* mialloc does not count blocks: the sizes are committed and reserved
 * bytes, blocks_in_use is 0. */
static void intro_statistics(malloc_zone_t *zone, malloc_statistics_t *stats) {
  int64_t committed = __atomic_load_n(&_mi_stats.committed.current, __ATOMIC_RELAXED);
  int64_t peak = __atomic_load_n(&_mi_stats.committed.peak, __ATOMIC_RELAXED);
  int64_t reserved = __atomic_load_n(&_mi_stats.reserved.current, __ATOMIC_RELAXED);
  stats->blocks_in_use = 0;
  stats->size_in_use = committed > 0 ? (size_t)committed : 0;
  stats->max_size_in_use = peak > 0 ? (size_t)peak : 0;
  stats->size_allocated = reserved > 0 ? (size_t)reserved : 0;
}

static boolean_t intro_zone_locked(malloc_zone_t *zone) {
  return false;
}

static boolean_t intro_enable_discharge_checking(malloc_zone_t *zone) {
  return false;
}

static void intro_disable_discharge_checking(malloc_zone_t *zone) {
}

static void intro_discharge(malloc_zone_t *zone, void *memory) {
}

static malloc_introspection_t mi_zone_introspection = {
    .enumerator = intro_enumerator,
    .good_size = intro_good_size,
    .check = intro_check,
    .print = intro_print,
    .log = intro_log,
    .force_lock = intro_force_lock,
    .force_unlock = intro_force_unlock,
    .statistics = intro_statistics,
    .zone_locked = intro_zone_locked,
    .enable_discharge_checking = intro_enable_discharge_checking,
    .disable_discharge_checking = intro_disable_discharge_checking,
    .discharge = intro_discharge,
    .reinit_lock = intro_reinit_lock,
};

static malloc_zone_t mi_zone = {
    .size = zone_size,
    .malloc = zone_malloc,
    .calloc = zone_calloc,
    .valloc = zone_valloc,
    .free = zone_free,
    .realloc = zone_realloc,
    .destroy = zone_destroy,
    .zone_name = "mialloc",
    .batch_malloc = zone_batch_malloc,
    .batch_free = zone_batch_free,
    .introspect = &mi_zone_introspection,
    .version = MI_ZONE_VERSION,
    .memalign = zone_memalign,
    .free_definite_size = zone_free_definite_size,
    .pressure_relief = zone_pressure_relief,
    .claimed_address = zone_claimed_address,
};

/* ---- the other zones, as free.c's foreign allocator ------------------------------- */

static size_t zones_size(const void *p, void **owner) {
  malloc_zone_t *zone = malloc_zone_from_ptr(p);
  if (zone == NULL || zone == &mi_zone)
    return 0;
  *owner = zone;
  return zone->size(zone, p);
}

static void zones_free(void *p, void *owner) {
  malloc_zone_free((malloc_zone_t *)owner, p);
}

static const mi_foreign_t other_zones = {zones_size, zones_free};

/* ---- becoming the default zone ------------------------------------------------------ */

static malloc_zone_t *first_zone(void) {
  vm_address_t *zones = NULL;
  unsigned count = 0;
  if (malloc_get_all_zones(mach_task_self(), NULL, &zones, &count) != KERN_SUCCESS || count == 0)
    return NULL;
  return (malloc_zone_t *)zones[0];
}

/* libmalloc's unregister moves the last registered zone into the place it
 * frees: unregistering the first zone (and registering it again, at the
 * end, for its blocks) makes mialloc's zone, registered last, the first.
 * The purgeable zone is made to exist first and moved behind the old
 * default, which must answer for its own pointers before it. */
static bool zone_promote(void) {
  malloc_zone_t *purgeable = malloc_default_purgeable_zone();
  malloc_zone_register(&mi_zone);
  for (int tries = 0; tries < 8; tries++) {
    malloc_zone_t *first = first_zone();
    if (first == NULL || first == &mi_zone)
      return first == &mi_zone;
    malloc_zone_unregister(first);
    malloc_zone_register(first);
    if (purgeable != NULL && purgeable != first) {
      malloc_zone_unregister(purgeable);
      malloc_zone_register(purgeable);
    }
  }
  return first_zone() == &mi_zone;
}

__attribute__((constructor)) static void zone_install(void) {
  mi_process_init(); /* options, for the messages below */
  _mi_foreign_register(&other_zones);
  if (zone_promote())
    _mi_verbose_message("the default malloc zone is mialloc's; %zu libc functions interposed\n",
                        _mi_darwin_interposed());
  else
    _mi_warning_message("could not make mialloc's zone the default malloc zone: code that allocates through "
                        "malloc_default_zone() uses the system allocator\n");
}
