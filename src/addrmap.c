/* addrmap.c - which addresses are mialloc's.  Two maps answer it.
 *
 * The segment map has a byte per 4 MiB chunk of the address space (48 bits,
 * or 32 in a 32-bit process) and knows every segment.  Slow paths and the pointer checks use it.
 *
 * The page window is for mi_free's fast path: a page-descriptor pointer per
 * 64 KiB slice of a window of up to MI_WINDOW_SIZE bytes, so that a pointer
 * finds its page with a subtraction, a comparison and a load, and nothing
 * that is not ours is followed.  The window ends at _mi_window_last, a
 * little above the first segment, and grows down over the addresses where
 * segments are mapped (new segments are placed just below it).  Its covered
 * part, the _mi_window_span bytes below the end, has an entry for every
 * slice: a page of a live segment, or _mi_page_foreign, which no thread
 * owns, so that a pointer there goes to the slow path and is checked with
 * the segment map.  Segments outside the window work, with slower frees.
 *
 * Both maps are reserved when the first segment is made, read-only and
 * uncharged (reads of their untouched parts give zero), and committed in
 * pieces of MI_MAP_PIECE bytes as segments need them: a process is charged
 * for the few pieces that describe the addresses it uses, not for the
 * 80 MiB the maps span. */
#include "internal.h"


#define MI_MAP_PIECE ((size_t)64 << 10)

static uint8_t *_Atomic segmap; /* MI_SEGMAP_ENTRIES bytes; NULL before the first segment */
/* The entries ever marked lie in [segmap_lo, segmap_hi): the part of the
 * map a walk over all segments reads. */
static _Atomic(size_t) segmap_lo = MI_SEGMAP_ENTRIES, segmap_hi;

/* A random secret of the process (heap.c sets it first thing): segment
 * headers and heaps carry their address XOR it, so that memory that only
 * looks like one is not taken for one. */
uintptr_t _mi_process_cookie;

uintptr_t _mi_window_last mi_decl_hidden;
size_t _mi_window_span mi_decl_hidden;
mi_page_t **_mi_window_pages mi_decl_hidden; /* MI_WINDOW_SLICES entries */
mi_page_t _mi_page_foreign mi_decl_hidden;

/* Ranges of the window whose segments were unmapped: new segments go there
 * first, so that the window does not grow with every mapping a long-running
 * program makes.  Guarded by window_lock, as is growing the span. */
#define MI_WINDOW_HOLES 32
typedef struct window_hole_s {
  uintptr_t start, end;
} window_hole_t;
static window_hole_t holes[MI_WINDOW_HOLES];
static mi_lock_t window_lock = MI_LOCK_INIT(MI_LOCK_WINDOW);

/* ---- reserving and committing the maps ------------------------------------------ */

/* Each map is reserved in whole pieces (the segment map of a 32-bit
 * process, 1 KiB, in one); a bit per piece says it is committed. */
#define MI_MAP_PIECES(bytes) (((bytes) + MI_MAP_PIECE - 1) / MI_MAP_PIECE)
#define MI_SEGMAP_PIECES MI_MAP_PIECES(MI_SEGMAP_ENTRIES)
#define MI_WINDOW_PIECES MI_MAP_PIECES(MI_WINDOW_SLICES * sizeof(mi_page_t *))
static _Atomic(uintptr_t) segmap_committed[(MI_SEGMAP_PIECES + MI_INTPTR_BITS - 1) / MI_INTPTR_BITS];
static _Atomic(uintptr_t) window_committed[(MI_WINDOW_PIECES + MI_INTPTR_BITS - 1) / MI_INTPTR_BITS];
static mi_lock_t commit_lock = MI_LOCK_INIT(MI_LOCK_MAPS);
static bool maps_failed;

/* Reserves both maps (once); false if the OS refuses. */
static bool maps_reserve(void) {
  if (atomic_load_explicit(&segmap, memory_order_acquire) != NULL)
    return true;
  _mi_lock(&commit_lock);
  void *seg = NULL, *win = NULL;
  if (atomic_load_explicit(&segmap, memory_order_relaxed) == NULL && !maps_failed) {
    if (_mi_prim_reserve(MI_SEGMAP_PIECES * MI_MAP_PIECE, &seg) == 0 &&
        _mi_prim_reserve(MI_WINDOW_PIECES * MI_MAP_PIECE, &win) == 0) {
      __atomic_store_n(&_mi_window_pages, (mi_page_t **)win, __ATOMIC_RELEASE);
      atomic_store_explicit(&segmap, (uint8_t *)seg, memory_order_release);
    } else {
      maps_failed = true; /* every segment then fails: mi_malloc returns NULL */
      _mi_warning_message("unable to reserve address space for the address maps\n");
    }
  }
  _mi_unlock(&commit_lock);
  return atomic_load_explicit(&segmap, memory_order_acquire) != NULL;
}

/* Makes bytes [from, to) of a map (at base, with its bitmap) writable. */
static bool map_commit(uint8_t *base, _Atomic(uintptr_t) *bits, size_t from, size_t to) {
  for (size_t piece = from / MI_MAP_PIECE; piece * MI_MAP_PIECE < to; piece++) {
    _Atomic(uintptr_t) *word = &bits[piece / MI_INTPTR_BITS];
    uintptr_t bit = (uintptr_t)1 << (piece % MI_INTPTR_BITS);
    if (atomic_load_explicit(word, memory_order_acquire) & bit)
      continue;
    _mi_lock(&commit_lock);
    bool ok = (atomic_load_explicit(word, memory_order_relaxed) & bit) != 0 ||
              _mi_prim_commit(base + piece * MI_MAP_PIECE, MI_MAP_PIECE) == 0;
    if (ok)
      atomic_fetch_or_explicit(word, bit, memory_order_release);
    _mi_unlock(&commit_lock);
    if (!ok) {
      _mi_warning_message("unable to commit a piece of the address map\n");
      return false;
    }
  }
  return true;
}

/* ---- the segment map ------------------------------------------------------ */

static void segmap_widen(size_t first, size_t end) {
  size_t lo = atomic_load_explicit(&segmap_lo, memory_order_relaxed);
  while (first < lo && !atomic_compare_exchange_weak_explicit(&segmap_lo, &lo, first, memory_order_relaxed,
                                                               memory_order_relaxed)) {
  }
  size_t hi = atomic_load_explicit(&segmap_hi, memory_order_relaxed);
  while (end > hi && !atomic_compare_exchange_weak_explicit(&segmap_hi, &hi, end, memory_order_relaxed,
                                                             memory_order_relaxed)) {
  }
}

/* Marks the chunks of a segment as its own (on) or nobody's; marking on
 * fails (false) only when the map cannot be committed. */
bool _mi_segmap_mark(mi_segment_t *segment, size_t size, bool on) {
  size_t first = (uintptr_t)segment >> MI_SEGMENT_SHIFT;
  size_t chunks = (size + MI_SEGMENT_MASK) >> MI_SEGMENT_SHIFT; /* a huge one may end inside its last */
  size_t end = first + chunks < MI_SEGMAP_ENTRIES ? first + chunks : MI_SEGMAP_ENTRIES;
  uint8_t *map = atomic_load_explicit(&segmap, memory_order_acquire);
  if (on) {
    if (!maps_reserve())
      return false;
    map = atomic_load_explicit(&segmap, memory_order_acquire);
    if (first < end && !map_commit(map, segmap_committed, first, end))
      return false;
    segmap_widen(first, end);
  } else if (map == NULL) {
    return true;
  }
  for (size_t i = first; i < end; i++) {
    uint8_t v = on ? (uint8_t)(i - first + 1 < 255 ? i - first + 1 : 255) : 0;
    __atomic_store_n(&map[i], v, __ATOMIC_RELEASE);
  }
  return true;
}

/* The segment containing p, or NULL when p is not in memory of ours.
 * Reads only the map and, once it says "ours", the segment header. */
mi_segment_t *_mi_segment_of_checked(const void *p) {
  size_t idx = (uintptr_t)p >> MI_SEGMENT_SHIFT;
  uint8_t *map = atomic_load_explicit(&segmap, memory_order_acquire);
  if (idx >= MI_SEGMAP_ENTRIES || map == NULL)
    return NULL;
  for (;;) {
    uint8_t v = __atomic_load_n(&map[idx], __ATOMIC_ACQUIRE);
    if (v == 0)
      return NULL;
    if (v == 1)
      break;
    idx -= (size_t)(v - 1);
  }
  mi_segment_t *segment = (mi_segment_t *)(idx << MI_SEGMENT_SHIFT);
  if (segment->cookie != ((uintptr_t)segment ^ _mi_process_cookie))
    return NULL;
  if ((uintptr_t)p >= (uintptr_t)segment + segment->size)
    return NULL;
  return segment;
}

/* The lowest segment above `after` (the lowest of all for NULL), or NULL:
 * a walk over every segment, reading only the used part of the map. */
mi_segment_t *_mi_segment_next(const mi_segment_t *after) {
  size_t idx = after == NULL ? atomic_load_explicit(&segmap_lo, memory_order_relaxed)
                             : ((uintptr_t)after >> MI_SEGMENT_SHIFT) + 1;
  size_t hi = atomic_load_explicit(&segmap_hi, memory_order_relaxed);
  uint8_t *map = atomic_load_explicit(&segmap, memory_order_acquire);
  for (; map != NULL && idx < hi; idx++) {
    if (__atomic_load_n(&map[idx], __ATOMIC_ACQUIRE) != 1)
      continue;
    mi_segment_t *segment = (mi_segment_t *)(idx << MI_SEGMENT_SHIFT);
    if (segment->cookie == ((uintptr_t)segment ^ _mi_process_cookie))
      return segment;
  }
  return NULL;
}

/* ---- the page window -------------------------------------------------------- */

static size_t window_slice(uintptr_t addr) {
  return (_mi_window_last - addr) >> MI_SMALL_PAGE_SHIFT;
}

static size_t window_span(void) {
  return __atomic_load_n(&_mi_window_span, __ATOMIC_ACQUIRE);
}

/* Make the window cover [start, end) (whole slices); false if it cannot. */
static bool window_cover(uintptr_t start, uintptr_t end) {
  uintptr_t last = __atomic_load_n(&_mi_window_last, __ATOMIC_ACQUIRE);
  if (last != 0 && end - 1 <= last && last - start < window_span())
    return true;
  _mi_lock(&window_lock);
  last = _mi_window_last;
  if (last == 0) {
    /* the first segment: room above it for segments placed in holes */
    last = end - 1 + MI_WINDOW_HEADROOM;
    if (last < end)
      last = UINTPTR_MAX;
    __atomic_store_n(&_mi_window_last, last, __ATOMIC_RELEASE);
  }
  bool ok = end - 1 <= last && last - start < MI_WINDOW_SIZE && maps_reserve();
  if (ok) {
    size_t span = _mi_window_span, need = last - start + 1;
    ok = map_commit((uint8_t *)_mi_window_pages, window_committed,
                    (span >> MI_SMALL_PAGE_SHIFT) * sizeof(mi_page_t *),
                    (need >> MI_SMALL_PAGE_SHIFT) * sizeof(mi_page_t *));
  }
  if (ok) {
    size_t span = _mi_window_span, need = last - start + 1;
    /* new slices below the covered part are nobody's until mapped */
    for (size_t i = span >> MI_SMALL_PAGE_SHIFT; i < need >> MI_SMALL_PAGE_SHIFT; i++)
      __atomic_store_n(&_mi_window_pages[i], &_mi_page_foreign, __ATOMIC_RELAXED);
    if (need > span)
      __atomic_store_n(&_mi_window_span, need, __ATOMIC_RELEASE);
  }
  _mi_unlock(&window_lock);
  return ok;
}

/* Point the slices of a segment at its pages, after its layout was set;
 * with `grow`, making the window cover it if it does not yet (under the
 * window's lock).  Huge segments do not grow the window: a free of their
 * one block can take the slow path, and their mappings come and go. */
void _mi_window_map(mi_segment_t *segment, bool grow) {
  uintptr_t start = (uintptr_t)segment;
  size_t slices = segment->size >> MI_SMALL_PAGE_SHIFT;
  if (!grow) {
    uintptr_t last = __atomic_load_n(&_mi_window_last, __ATOMIC_ACQUIRE);
    if (last == 0 || start + segment->size - 1 > last || last - start >= window_span())
      return;
  } else if (!window_cover(start, start + segment->size)) {
    _mi_stat_counter(&_mi_stats.window_misses, 1);
    _mi_verbose_message("segment %p is outside the page window: its frees take the slow path\n",
                        (void *)segment);
    return;
  }
  /* a page spans MI_MAX_PAGES / page_count slices, the first holds it */
  size_t stride = MI_MAX_PAGES / segment->page_count;
  for (size_t s = 0; s < slices; s++) {
    mi_page_t *page = &segment->pages[s < MI_MAX_PAGES ? s & ~(stride - 1) : 0];
    __atomic_store_n(&_mi_window_pages[window_slice(start + (s << MI_SMALL_PAGE_SHIFT))], page,
                     __ATOMIC_RELEASE);
  }
}

/* [start, start+size) no longer holds pages (it is to be unmapped, moved,
 * or cut off a segment): its slices become nobody's. */
void _mi_window_unmap(void *start, size_t size) {
  uintptr_t last = __atomic_load_n(&_mi_window_last, __ATOMIC_ACQUIRE), span = window_span();
  for (uintptr_t a = (uintptr_t)start; a < (uintptr_t)start + size; a += MI_SMALL_PAGE_SIZE)
    if (a <= last && last - a < span)
      __atomic_store_n(&_mi_window_pages[window_slice(a)], &_mi_page_foreign, __ATOMIC_RELEASE);
}

/* [start, start+size), in the window, was unmapped: remember it for
 * _mi_window_hint, merged with a neighbour, or in place of the smallest
 * hole if it is larger. */
void _mi_window_release(void *start, size_t size) {
  uintptr_t a = (uintptr_t)start, b = a + size;
  uintptr_t last = __atomic_load_n(&_mi_window_last, __ATOMIC_ACQUIRE);
  if (b - 1 > last || last - a >= window_span())
    return;
  _mi_lock(&window_lock);
  window_hole_t *smallest = &holes[0];
  bool merged = false;
  for (size_t i = 0; i < MI_WINDOW_HOLES && !merged; i++) {
    window_hole_t *h = &holes[i];
    if (h->end == a || h->start == b) {
      h->start = h->start < a ? h->start : a;
      h->end = h->end > b ? h->end : b;
      merged = true;
    } else if (h->end - h->start < smallest->end - smallest->start) {
      smallest = h;
    }
  }
  if (!merged && smallest->end - smallest->start < size)
    *smallest = (window_hole_t){a, b};
  _mi_unlock(&window_lock);
}

/* Where to ask the OS for a new segment of `size` bytes aligned to `align`:
 * the highest remembered hole it fits in, else just below the window's
 * covered part, so that the window grows without gaps; NULL before the
 * first segment or when the window is full.  The range may have been
 * taken since, by someone else: then the OS maps elsewhere. */
void *_mi_window_hint(size_t size, size_t align) {
  /* the maps are reserved before the first segment is mapped, so that they
   * do not take the addresses below it, where the window grows */
  (void)maps_reserve();
  uintptr_t last = __atomic_load_n(&_mi_window_last, __ATOMIC_ACQUIRE);
  if (last == 0)
    return NULL;
  _mi_lock(&window_lock);
  window_hole_t *best = NULL;
  uintptr_t at = 0;
  for (size_t i = 0; i < MI_WINDOW_HOLES; i++) {
    window_hole_t *h = &holes[i];
    uintptr_t a = _mi_align_up(h->start, align);
    if (h->end > a && h->end - a >= size && (best == NULL || a > at)) {
      best = h;
      at = a;
    }
  }
  if (best != NULL) {
    /* take it from the hole; a piece below an aligned start is dropped */
    best->start = at + size;
    if (best->start == best->end)
      *best = (window_hole_t){0, 0};
  } else {
    size_t span = _mi_window_span;
    uintptr_t bottom = last - span + 1;
    if (span + size <= MI_WINDOW_SIZE && bottom >= size)
      at = (bottom - size) & ~(uintptr_t)(align - 1);
  }
  _mi_unlock(&window_lock);
  return (void *)at;
}

/* ---- fork ------------------------------------------------------------------ */

/* (internal.h, "Locks and fork") The window's holes are only hints: a
 * child that cannot trust them forgets them.  What commit_lock guards is
 * published after it is done (a commit bit, the maps' addresses), so a
 * section cut short leaves at worst a piece committed twice or a
 * reservation leaked. */
static uint64_t window_note, commit_note;

void _mi_addrmap_fork_prepare(void) {
  window_note = _mi_lock_fork_note(&window_lock);
  commit_note = _mi_lock_fork_note(&commit_lock);
}

void _mi_addrmap_fork_child(void) {
  if (!_mi_lock_fork_child(&window_lock, window_note))
    memset(holes, 0, sizeof holes);
  (void)_mi_lock_fork_child(&commit_lock, commit_note);
}
