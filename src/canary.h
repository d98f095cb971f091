/* canary.h - --enable-secure: a trailer at the end of every block, checked
 * when the block is freed or reallocated, so that a heap overflow of even
 * one byte past the size asked for is caught (EFAULT) and the block is not
 * freed, rather than the damage spreading.
 *
 *   | the size asked for | gap (pattern) | canary | delta |
 *   p                    p + size        end - 8          end of the block
 *
 * `delta` (32 bits) is end - (p + size), 8 or more: mi_usable_size reports
 * the size asked for, never the trailer.  The canary (32 bits) comes from
 * the page's key, a secret of the process and the page (page.c), and the
 * block's end address, so that the trailer of one block copied over
 * another does not pass.  The gap's first byte holds the canary's first
 * byte: a linear overflow, of any length, changes it (or the canary itself
 * when the size fills its block).  That byte is never 0, so a string's
 * terminator written one past the end is always caught; another byte is
 * missed when it happens to equal it (1 in 256), unless the overflow goes
 * on into the canary.  The rest of the gap is not looked at.
 *
 * Blocks are MI_PADDING bytes larger than the sizes asked for (bins,
 * huge blocks).  In the default build MI_PADDING is 0 and every function
 * here is empty. */
#ifndef MI_CANARY_H
#define MI_CANARY_H

#include "internal.h"

#define MI_PADDING ((size_t)(MI_SECURE ? 8 : 0))

static inline uint32_t _mi_canary_of(const mi_page_t *page, const uint8_t *end) {
  return (uint32_t)(((uintptr_t)end ^ page->key) >> 4) | 1;
}

/* What a memory checker is told a block of `block_size` bytes, asked for
 * `size`, grants (mi_track_alloc): the size asked for in a secure build,
 * whose usable size it is, so that memcheck reports a write into the
 * trailer as past the block. */
static inline size_t _mi_canary_usable(size_t size, size_t block_size) {
  return MI_SECURE ? size : block_size;
}

/* p, in the block of `page` that ends at `end`, holds `size` bytes from now
 * on: its trailer says so (after mi_track_alloc, which would undo the
 * checker's view of the trailer as not addressable). */
static inline void _mi_canary_set(const mi_page_t *page, uint8_t *end, void *p, size_t size) {
  if (!MI_SECURE)
    return;
  uint8_t *at = (uint8_t *)p + size;
  uint32_t canary = _mi_canary_of(page, end);
  uint64_t trailer = canary | (uint64_t)(end - at) << 32;
  mi_track_open(at, (size_t)(end - at));
  *at = (uint8_t)canary; /* the trailer writes over it when the size fills the block */
  memcpy(end - 8, &trailer, sizeof trailer);
  mi_track_close(at, (size_t)(end - at));
}

/* Is the trailer of the block of `page` that ends at `end` intact, for a
 * pointer p into the block: the canary, a delta that fits, and the first
 * byte past the size asked for (the canary's own first byte when the size
 * fills the block)?  *delta receives end - (p + size) (0 in the default
 * build, where there is no trailer). */
static inline bool _mi_canary_ok(const mi_page_t *page, const uint8_t *end, const void *p, size_t *delta) {
  *delta = 0;
  if (!MI_SECURE)
    return true;
  uint64_t trailer;
  uint32_t canary = _mi_canary_of(page, end);
  mi_track_open(end - 8, 8);
  memcpy(&trailer, end - 8, sizeof trailer);
  mi_track_close(end - 8, 8);
  size_t d = (size_t)(trailer >> 32);
  if ((uint32_t)trailer != canary || d - 8 > (size_t)(end - (const uint8_t *)p) - 8)
    return false; /* d - 8 wraps around for d < 8 */
  mi_track_open(end - d, 1);
  uint8_t first = end[-(ptrdiff_t)d];
  mi_track_close(end - d, 1);
  *delta = d;
  return first == (uint8_t)canary;
}

/* For pointers found from scratch (free.c): p, a block in use or a pointer
 * into one, holds `size` bytes now (aligned blocks, realloc in place,
 * mi_expand); a broken trailer reported for `who` (EFAULT). */
void _mi_canary_set_of(void *p, size_t size);
static inline void _mi_canary_resize(void *p, size_t size) {
  if (MI_SECURE)
    _mi_canary_set_of(p, size);
}
void _mi_canary_overflow(const void *p, const char *who);

#endif /* MI_CANARY_H */
