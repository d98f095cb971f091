/* free.c - mi_free beyond its fast path (fast.h), and the questions asked
 * of a pointer: whose is it, which block is it, how large is it. */
#include "fast.h"

static mi_decl_cold void free_invalid(const void *p, const char *who, const char *why) {
  _mi_error_message(EINVAL | MI_ERROR_CORRUPT, "%s(): invalid pointer %p: %s\n", who, p, why);
}

/* The block of `page` that p designates, or NULL with *why saying what is
 * wrong with p (*err: the error code to report). */
static mi_block_t *block_find(mi_segment_t *segment, mi_page_t *page, const void *p, const char **why,
                              int *err) {
  *err = EINVAL;
  if (segment->cookie != ((uintptr_t)segment ^ _mi_process_cookie)) {
    *why = "segment header corrupted";
    *err = EFAULT;
    return NULL;
  }
  if (!page->in_use) {
    *why = "its page is free (a double free)"; /* EAGAIN, as mialloc(3) says */
    *err = EAGAIN;
    return NULL;
  }
  mi_block_t *block = _mi_page_block_of(page, p);
  if (block == NULL) {
    *why = "not inside an allocated block";
    return NULL;
  }
  if (block != p && !(_mi_page_flags(page) & MI_PAGE_HAS_ALIGNED)) {
    *why = "points inside a block";
    return NULL;
  }
  return block;
}

#define MI_FREE_QUICK_LOOK 32 /* pages of at most this many blocks are looked through at once */

/* Checks a pointer fully; returns its block, or NULL after reporting
 * (unless `who` is NULL: then quietly). */
static mi_block_t *block_checked(mi_segment_t *segment, mi_page_t *page, const void *p, const char *who) {
  const char *why = NULL;
  int err = 0;
  mi_block_t *block = block_find(segment, page, p, &why, &err);
  if (block == NULL && who != NULL)
    _mi_error_message(err | MI_ERROR_CORRUPT, "%s(): %spointer %p: %s\n", who, err == EINVAL ? "invalid " : "",
                      p, why);
  return block;
}

/* ---- whose is a pointer ----------------------------------------------------- */

/* Another allocator whose blocks reach mialloc (see internal.h). */
static const mi_foreign_t *_Atomic foreign_allocator;

void _mi_foreign_register(const mi_foreign_t *foreign) {
  atomic_store_explicit(&foreign_allocator, foreign, memory_order_release);
}

typedef struct mi_owner_s {
  mi_segment_t *segment;        /* mialloc's: its segment */
  const mi_foreign_t *foreign;  /* another allocator's: which one, */
  void *foreign_owner;          /* the part of it that frees the block */
  size_t foreign_size;          /* and the block's usable size */
} mi_owner_t;

/* Whose is p, and so who frees it: mialloc (a segment of ours), the
 * foreign allocator when `foreign` is true and it owns p (on macOS the
 * zones that were there before mialloc), or nobody (all NULL).  The one
 * answer behind free, realloc and the size queries. */
static void ptr_owner(const void *p, bool foreign, mi_owner_t *owner) {
  memset(owner, 0, sizeof *owner);
  owner->segment = _mi_segment_of_checked(p);
  if (owner->segment != NULL || !foreign)
    return;
  const mi_foreign_t *f = atomic_load_explicit(&foreign_allocator, memory_order_acquire);
  if (f != NULL && p != NULL && (owner->foreign_size = f->size(p, &owner->foreign_owner)) != 0)
    owner->foreign = f;
}

/* Everything mi_free's fast path leaves, for a pointer in a segment of
 * ours: other threads, full pages, aligned blocks, and the full checks. */
static void free_checked(mi_segment_t *segment, mi_page_t *page, void *p, const char *who) {
  mi_block_t *block = block_checked(segment, page, p, who);
  if (block == NULL)
    return;
  mi_track_open(block, sizeof *block); /* in use, or free already */
  bool keyed = block->key == page->key; /* freed already, most likely */
  mi_track_close(block, sizeof *block);
  /* a secure build's trailer (canary.h): a broken one is reported, and the
   * block left allocated.  Not for a block that may be free already (of a
   * 16-byte block the link covers it), unless p is inside the block: the
   * key is then in the part before p, which the program never wrote */
  size_t delta;
  if ((!keyed || (void *)block != p) && !_mi_canary_ok(page, (uint8_t *)block + page->block_size, p, &delta)) {
    _mi_canary_overflow(p, who);
    return;
  }
  uintptr_t owner = __atomic_load_n(&segment->thread_id, __ATOMIC_RELAXED);
  if (owner != _mi_thread_id()) {
    /* another thread's block (or an exited one's): the freeing thread's
     * data holds it back for a batched push (page.c), so a thread that only
     * frees gets its heap here, as one that allocates would */
    mi_heap_t *heap = _mi_tls_resolve();
    if (heap->thread_id != _mi_thread_id())
      heap = _mi_heap_init_thread();
    mi_tld_t *tld = heap != NULL ? heap->tld : NULL;
    if (!keyed) {
      mi_track_free(block, page->block_size);
      _mi_stat_live(page->block_size, -1);
      _mi_page_free_remote(tld, page, block);
    }
    else if (_mi_page_xfree_holds(tld, page, block))
      _mi_double_free(p, who);
    else {
      _mi_stat_live(page->block_size, -1); /* given back if it was free (page.c) */
      _mi_page_free_suspect_remote(page, block); /* the owner looks */
    }
    return;
  }
  if (keyed) {
    /* the usual double free, free(p) twice, is at a list's head; other
     * blocks are looked for now in small pages, else at the owner's next
     * collection, with all such blocks of the page in one pass */
    int found = block == page->local_free || block == page->free ? 1 : -1;
    if (found < 0 && page->capacity <= MI_FREE_QUICK_LOOK) {
      _mi_page_take_xthread(page); /* the frees of other threads, into local_free */
      found = _mi_page_find_free(page, block, MI_FREE_QUICK_LOOK);
      if (found == 0 && _mi_page_xfree_pending(page))
        found = -1; /* another thread may hold it back: look again later */
    }
    if (found != 0) {
      if (found > 0)
        _mi_double_free(p, who);
      else {
        _mi_stat_live(page->block_size, -1);
        _mi_page_free_suspect(page, block);
      }
      return;
    }
  }
  mi_assert(page->used > 0);
  mi_track_free(block, page->block_size);
  _mi_stat_live(page->block_size, -1);
  mi_block_set(block, key, page->key);
  mi_block_set_next(page, block, page->local_free);
  page->local_free = block;
  if (page->flags & MI_PAGE_IN_FULL)
    _mi_page_unfull(page);
  if (--page->used == 0)
    _mi_page_retire(page);
}

/* p is outside the page window: NULL, a segment the window does not cover,
 * another allocator's block, or nobody's. */
mi_decl_noinline void _mi_free_outside_window(void *p, const char *who) {
  if (p == NULL)
    return;
  mi_owner_t owner;
  ptr_owner(p, true, &owner);
  if (owner.segment != NULL)
    free_checked(owner.segment, _mi_segment_page_of(owner.segment, p), p, who);
  else if (owner.foreign != NULL)
    owner.foreign->free(p, owner.foreign_owner);
  else
    free_invalid(p, who, "not allocated by mialloc");
}

/* A block of this thread's page that carries the key (fast.h). */
mi_decl_noinline void _mi_free_suspect(mi_page_t *page, mi_block_t *block, const char *who) {
  free_checked(_mi_ptr_segment(page), page, block, who);
}

/* p's window slice gave `page`, which this thread may not push to at once. */
mi_decl_noinline void _mi_free_generic(void *p, mi_page_t *page, const char *who) {
  if (page == &_mi_page_foreign) {
    _mi_free_outside_window(p, who); /* inside the window, but no page of ours */
    return;
  }
  mi_heap_t *heap = _mi_tls_resolve(); /* another thread's page, most likely */
  if (heap->thread_id == _mi_thread_id() && _mi_page_xfree_append(heap->tld, page, p))
    return;
  free_checked(_mi_ptr_segment(page), page, p, who);
}

void mi_free(void *p) {
  _mi_free(p);
}

void mi_cfree(void *p) {
  if (p != NULL && _mi_segment_of_checked(p) != NULL)
    mi_free(p);
}

void mi_free_size(void *p, size_t size) {
  (void)size;
  mi_free(p);
}

void mi_free_aligned(void *p, size_t alignment) {
  (void)alignment;
  mi_free(p);
}

void mi_free_size_aligned(void *p, size_t size, size_t alignment) {
  (void)size;
  (void)alignment;
  mi_free(p);
}

/* Usable bytes from p to the end of its block (in a secure build to the
 * end of the size asked for): a block of mialloc's, or with `foreign` also
 * of the foreign allocator.  0 for anything else, and for a block whose
 * trailer was overwritten, after reporting it for `who` (quietly when who
 * is NULL). */
size_t _mi_usable_size_capacity(const void *p, bool foreign, const char *who, size_t *capacity) {
  mi_owner_t owner;
  ptr_owner(p, foreign, &owner);
  if (capacity != NULL)
    *capacity = owner.foreign_size;
  if (owner.foreign != NULL)
    return owner.foreign_size;
  if (owner.segment == NULL) {
    if (who != NULL)
      free_invalid(p, who, "not allocated by mialloc");
    return 0;
  }
  mi_page_t *page = _mi_segment_page_of(owner.segment, p);
  mi_block_t *block = block_checked(owner.segment, page, p, who);
  if (block == NULL)
    return 0;
  uint8_t *end = (uint8_t *)block + page->block_size;
  size_t delta;
  if (!_mi_canary_ok(page, end, p, &delta)) {
    if (who != NULL)
      _mi_canary_overflow(p, who);
    return 0;
  }
  size_t room = (size_t)(end - (const uint8_t *)p);
  if (capacity != NULL)
    *capacity = room - MI_PADDING;
  return room - delta;
}

size_t _mi_usable_size_of(const void *p, bool foreign, const char *who) {
  return _mi_usable_size_capacity(p, foreign, who, NULL);
}

size_t _mi_usable_size_checked(const void *p, const char *who) {
  return _mi_usable_size_capacity(p, true, who, NULL);
}

/* ---- the trailer of a secure build (canary.h) ------------------------------- */

void _mi_canary_set_of(void *p, size_t size) {
  mi_segment_t *segment = _mi_segment_of_checked(p);
  if (segment == NULL)
    return; /* the foreign allocator's (realloc in place) */
  mi_page_t *page = _mi_segment_page_of(segment, p);
  mi_block_t *block = _mi_page_block_of(page, p);
  mi_assert(block != NULL);
  _mi_canary_set(page, (uint8_t *)block + page->block_size, p, size);
}

mi_decl_cold void _mi_canary_overflow(const void *p, const char *who) {
  _mi_error_message(EFAULT, "%s(): heap overflow: %p was written past its end (its canary was overwritten); "
                            "the block is left allocated\n", who != NULL ? who : "free", p);
}

size_t mi_usable_size(const void *p) {
  size_t usable = p == NULL ? 0 : _mi_usable_size_checked(p, "mi_usable_size");
  if (usable != 0)
    mi_track_resize((void *)p, usable, usable); /* granted: a checker may not object to its use */
  return usable;
}

size_t mi_malloc_usable_size(const void *p) {
  return mi_usable_size(p);
}

size_t mi_good_size(size_t size) {
  if (size <= MI_LARGE_OBJ_MAX - MI_PADDING)
    return _mi_bin_size(_mi_bin(size + MI_PADDING)) - MI_PADDING;
  if (size > PTRDIFF_MAX)
    return size;
  return _mi_huge_block_size(MI_SEGMENT_HEADER_SIZE, size + MI_PADDING) - MI_PADDING;
}
