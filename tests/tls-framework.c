/* tls-framework.c - a shared library standing in for a system framework
 * that keeps its own data in the same thread-control-block slot mialloc
 * was built to use (as Apple's CoreData did with slot 89).  It knows
 * nothing of mialloc and allocates nothing. */
#include <stdint.h>

#include "tls-slot.h"

__attribute__((visibility("default"))) int framework_supported(void);
__attribute__((visibility("default"))) void framework_claim(long slot, uintptr_t value);
__attribute__((visibility("default"))) uintptr_t framework_peek(long slot);

int framework_supported(void) {
  return TLS_SLOT_SUPPORTED;
}

/* What the framework does on a thread: store its value in "its" slot. */
void framework_claim(long slot, uintptr_t value) {
  tls_slot_write(slot, value);
}

uintptr_t framework_peek(long slot) {
  return tls_slot_read(slot);
}
