/* macos-zone-layout.c - src/malloc-zone.h, mialloc's own declarations of
 * the macOS zone interface, against the SDK's <malloc/malloc.h>: every
 * member must sit at the SDK's offset, and the range-type constants must
 * have the SDK's values (a different redefinition is an error under
 * -Werror).  tests/macos.sh compiles this for each macOS architecture with
 * -fsyntax-only; it is never run. */
#include <malloc/malloc.h>
#include <stddef.h>

/* the SDK's types, under names that the renaming below leaves alone */
typedef malloc_zone_t sdk_zone_t;
typedef malloc_introspection_t sdk_introspection_t;
typedef malloc_statistics_t sdk_statistics_t;
typedef vm_range_t sdk_range_t;

/* mialloc's declarations, renamed so that both sets can live in one file */
#define _malloc_zone_t mi_zone_s
#define malloc_zone_t mi_zone_t
#define malloc_introspection_t mi_introspection_t
#define malloc_statistics_t mi_statistics_t
#define vm_range_t mi_range_t
#define memory_reader_t mi_memory_reader_t
#define vm_range_recorder_t mi_range_recorder_t
#define malloc_default_purgeable_zone mi_default_purgeable_zone
#define malloc_zone_register mi_zone_register
#define malloc_zone_unregister mi_zone_unregister
#define malloc_zone_from_ptr mi_zone_from_ptr
#define malloc_zone_free mi_zone_free
#define malloc_get_all_zones mi_get_all_zones
#include "malloc-zone.h"

#define SAME_PLACE(sdk, ours, member) \
  _Static_assert(offsetof(sdk, member) == offsetof(ours, member), #ours "." #member " is misplaced")

SAME_PLACE(sdk_zone_t, mi_zone_t, reserved1);
SAME_PLACE(sdk_zone_t, mi_zone_t, reserved2);
SAME_PLACE(sdk_zone_t, mi_zone_t, size);
SAME_PLACE(sdk_zone_t, mi_zone_t, malloc);
SAME_PLACE(sdk_zone_t, mi_zone_t, calloc);
SAME_PLACE(sdk_zone_t, mi_zone_t, valloc);
SAME_PLACE(sdk_zone_t, mi_zone_t, free);
SAME_PLACE(sdk_zone_t, mi_zone_t, realloc);
SAME_PLACE(sdk_zone_t, mi_zone_t, destroy);
SAME_PLACE(sdk_zone_t, mi_zone_t, zone_name);
SAME_PLACE(sdk_zone_t, mi_zone_t, batch_malloc);
SAME_PLACE(sdk_zone_t, mi_zone_t, batch_free);
SAME_PLACE(sdk_zone_t, mi_zone_t, introspect);
SAME_PLACE(sdk_zone_t, mi_zone_t, version);
SAME_PLACE(sdk_zone_t, mi_zone_t, memalign);
SAME_PLACE(sdk_zone_t, mi_zone_t, free_definite_size);
SAME_PLACE(sdk_zone_t, mi_zone_t, pressure_relief);
SAME_PLACE(sdk_zone_t, mi_zone_t, claimed_address);
/* newer SDKs have members after claimed_address, for later versions */
_Static_assert(sizeof(mi_zone_t) <= sizeof(sdk_zone_t), "mialloc's zone is larger than the SDK's");
_Static_assert(sizeof(mi_zone_t) == offsetof(mi_zone_t, claimed_address) + sizeof(void *),
               "mialloc's zone ends after claimed_address (version 10)");

SAME_PLACE(sdk_introspection_t, mi_introspection_t, enumerator);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, good_size);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, check);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, print);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, log);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, force_lock);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, force_unlock);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, statistics);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, zone_locked);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, enable_discharge_checking);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, disable_discharge_checking);
SAME_PLACE(sdk_introspection_t, mi_introspection_t, discharge);
/* the member between discharge and reinit_lock is named after whether
 * blocks are enabled: its place follows from its neighbours' */
SAME_PLACE(sdk_introspection_t, mi_introspection_t, reinit_lock);

SAME_PLACE(sdk_statistics_t, mi_statistics_t, blocks_in_use);
SAME_PLACE(sdk_statistics_t, mi_statistics_t, size_in_use);
SAME_PLACE(sdk_statistics_t, mi_statistics_t, max_size_in_use);
SAME_PLACE(sdk_statistics_t, mi_statistics_t, size_allocated);
_Static_assert(sizeof(sdk_statistics_t) == sizeof(mi_statistics_t), "malloc_statistics_t size");

SAME_PLACE(sdk_range_t, mi_range_t, address);
SAME_PLACE(sdk_range_t, mi_range_t, size);
_Static_assert(sizeof(sdk_range_t) == sizeof(mi_range_t), "vm_range_t size");
