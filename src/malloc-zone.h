/* malloc-zone.h - what src/zone.c needs of macOS's <malloc/malloc.h>, for
 * SDKs that do not ship that header.  zone.c includes the SDK's header when
 * configure finds it (HAVE_MALLOC_MALLOC_H) and this one otherwise;
 * tests/macos-zone-layout.c compiles both and compares them member by
 * member, so that the two cannot drift apart.
 *
 * Written from Apple's public documentation of the zone interface.  A zone
 * is a table of functions that libmalloc calls; its `version` says which
 * of the later members exist, and libmalloc reads no member the version
 * does not announce:
 *   version 5   memalign
 *   version 6   free_definite_size
 *   version 8   pressure_relief
 *   version 10  claimed_address
 * Later versions (13: try_free_default, 15: malloc_with_options, 16: the
 * typed-allocation entry points) are not declared: mialloc's zone is a
 * version 10 zone.  The introspection table grows with the same version:
 * discharge checking from version 7, reinit_lock from version 9.
 *
 * On arm64e (Apple's own binaries) the SDK qualifies these function
 * pointers with pointer authentication; mialloc is built for arm64 and
 * x86-64, where they are plain pointers. */
#ifndef MI_MALLOC_ZONE_H
#define MI_MALLOC_ZONE_H

#include <mach/mach.h> /* boolean_t, kern_return_t, task_t, vm_address_t, vm_size_t */
#include <stddef.h>

struct _malloc_zone_t;
typedef struct _malloc_zone_t malloc_zone_t;

/* A range of another task's (or this task's) memory, for enumerators. */
typedef struct {
  vm_address_t address;
  vm_size_t size;
} vm_range_t;

/* What malloc_zone_statistics reports. */
typedef struct malloc_statistics_t {
  unsigned blocks_in_use;
  size_t size_in_use;
  size_t max_size_in_use; /* the most ever in use */
  size_t size_allocated;  /* what the zone holds from the system */
} malloc_statistics_t;

/* Maps `size` bytes at `remote_address` of `remote_task` into this task
 * (*local_memory); valid until the next call. */
typedef kern_return_t memory_reader_t(task_t remote_task, vm_address_t remote_address, vm_size_t size,
                                      void **local_memory);
/* Receives `count` ranges of one kind (the MALLOC_*_RANGE_TYPE bits). */
typedef void vm_range_recorder_t(task_t task, void *context, unsigned type, vm_range_t *ranges, unsigned count);

#define MALLOC_PTR_IN_USE_RANGE_TYPE 1   /* a live block */
#define MALLOC_PTR_REGION_RANGE_TYPE 2   /* memory that holds blocks */
#define MALLOC_ADMIN_REGION_RANGE_TYPE 4 /* the zone's own bookkeeping */

typedef struct malloc_introspection_t {
  kern_return_t (*enumerator)(task_t task, void *context, unsigned type_mask, vm_address_t zone_address,
                              memory_reader_t reader, vm_range_recorder_t recorder);
  size_t (*good_size)(malloc_zone_t *zone, size_t size);
  boolean_t (*check)(malloc_zone_t *zone);
  void (*print)(malloc_zone_t *zone, boolean_t verbose);
  void (*log)(malloc_zone_t *zone, void *address);
  void (*force_lock)(malloc_zone_t *zone);   /* before fork */
  void (*force_unlock)(malloc_zone_t *zone); /* after fork, in the parent */
  void (*statistics)(malloc_zone_t *zone, malloc_statistics_t *stats);
  boolean_t (*zone_locked)(malloc_zone_t *zone);
  /* version 7 */
  boolean_t (*enable_discharge_checking)(malloc_zone_t *zone);
  void (*disable_discharge_checking)(malloc_zone_t *zone);
  void (*discharge)(malloc_zone_t *zone, void *memory);
  void *enumerate_discharged_pointers; /* a function taking a block */
  /* version 9 */
  void (*reinit_lock)(malloc_zone_t *zone); /* after fork, in the child */
} malloc_introspection_t;

struct _malloc_zone_t {
  void *reserved1; /* CoreFoundation's: leave NULL */
  void *reserved2;
  /* the usable size of a block of this zone, 0 for anything else; called
   * for every zone lookup, so it must be quick to say no */
  size_t (*size)(malloc_zone_t *zone, const void *ptr);
  void *(*malloc)(malloc_zone_t *zone, size_t size);
  void *(*calloc)(malloc_zone_t *zone, size_t count, size_t size);
  void *(*valloc)(malloc_zone_t *zone, size_t size); /* page-aligned, zeroed */
  void (*free)(malloc_zone_t *zone, void *ptr);
  void *(*realloc)(malloc_zone_t *zone, void *ptr, size_t size);
  void (*destroy)(malloc_zone_t *zone);
  const char *zone_name;
  unsigned (*batch_malloc)(malloc_zone_t *zone, size_t size, void **results, unsigned count);
  void (*batch_free)(malloc_zone_t *zone, void **ptrs, unsigned count);
  malloc_introspection_t *introspect;
  unsigned version;
  /* version 5 */
  void *(*memalign)(malloc_zone_t *zone, size_t alignment, size_t size);
  /* version 6 */
  void (*free_definite_size)(malloc_zone_t *zone, void *ptr, size_t size);
  /* version 8 */
  size_t (*pressure_relief)(malloc_zone_t *zone, size_t goal);
  /* version 10: may ptr be this zone's?  No false negatives allowed */
  boolean_t (*claimed_address)(malloc_zone_t *zone, void *ptr);
};

/* libSystem's zone functions that zone.c calls. */
malloc_zone_t *malloc_default_purgeable_zone(void);
void malloc_zone_register(malloc_zone_t *zone);
void malloc_zone_unregister(malloc_zone_t *zone);
malloc_zone_t *malloc_zone_from_ptr(const void *ptr);
void malloc_zone_free(malloc_zone_t *zone, void *ptr);
kern_return_t malloc_get_all_zones(task_t task, memory_reader_t reader, vm_address_t **addresses,
                                   unsigned *count);

#endif /* MI_MALLOC_ZONE_H */
