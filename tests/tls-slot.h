/* tls-slot.h - direct access to a thread-control-block slot, for the tests
 * that play "another component using mialloc's slot". */
#ifndef TLS_SLOT_H
#define TLS_SLOT_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__linux__)
#define TLS_SLOT_SUPPORTED 1
static inline uintptr_t tls_slot_read(long slot) {
  uintptr_t v;
  __asm__ volatile("movq %%fs:(,%1,8), %0" : "=r"(v) : "r"(slot));
  return v;
}
static inline void tls_slot_write(long slot, uintptr_t v) {
  __asm__ volatile("movq %0, %%fs:(,%1,8)" : : "r"(v), "r"(slot) : "memory");
}
#else
#define TLS_SLOT_SUPPORTED 0
static inline uintptr_t tls_slot_read(long slot) { (void)slot; return 0; }
static inline void tls_slot_write(long slot, uintptr_t v) { (void)slot; (void)v; }
#endif

#endif
