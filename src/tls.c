/* tls.c - what the TLS mechanisms share: the empty heap every thread
 * starts on, the pthread key (thread exit, the pthread mechanism, the slot
 * mechanism's fallback), the heap region that lets a slot value be proven
 * to be ours, and the slot mechanism's cold path: detecting a foreign
 * value, reporting it once, falling back. */
#include "internal.h"


/* The region is address space only, committed a slot at a time.  It is
 * reserved small and grown in place (doubling) as heaps are made, so that
 * a process under an address-space limit (RLIMIT_AS) is charged for what it
 * uses; where it cannot grow (the addresses after it are taken, or the OS
 * cannot resize a mapping), further heaps are mapped on their own. */
#define MI_HEAP_REGION_FIRST ((size_t)1 << 20) /* 64 heaps */
/* at most 16384 heaps (1024 in a 32-bit process) */
#define MI_HEAP_REGION_SIZE ((size_t)1 << (MI_INTPTR_SIZE == 8 ? 28 : 24))

/* The sentinel every thread starts on: its direct[] entries are pages
 * without free blocks, so the first allocation takes the slow path. */
mi_heap_t _mi_heap_empty = {.direct = {[0 ... MI_DIRECT_COUNT - 1] = (mi_page_t *)&_mi_page_empty}};
MI_TLS_DEFINE

pthread_key_t _mi_tls_key mi_decl_hidden = MI_TLS_KEY_NONE;
static bool key_ok;

uintptr_t _mi_heap_region_base mi_decl_hidden;
_Atomic(size_t) _mi_heap_region_limit mi_decl_hidden;
static size_t region_slots;   /* handed out so far; guarded by region_lock */
static _Atomic(size_t) region_max; /* slots reserved; grows under region_lock */
static void *free_slots;      /* guarded by region_lock */
static mi_lock_t region_lock = MI_LOCK_INIT(MI_LOCK_REGION);

static _Atomic(size_t) conflicts;
static atomic_bool fallback;  /* the slot was found taken: use the key */

_Static_assert(sizeof(mi_heap_t) + sizeof(mi_tld_t) + sizeof(void *) <= MI_HEAP_SLOT_SIZE,
               "thread data must fit a heap slot");

/* ---- the pthread key ---------------------------------------------------------- */

/* The thread-exit work (heap.c registers it with the first thread's data);
 * the key's destructor runs it with the heap that was the default. */
static void (*_Atomic thread_exit)(void *heap);

void _mi_tls_on_thread_exit(void (*fn)(void *heap)) {
  atomic_store(&thread_exit, fn);
}

static void key_destructor(void *heap) {
  void (*fn)(void *) = atomic_load(&thread_exit);
  if (fn != NULL)
    fn(heap);
}

void _mi_tls_process_init(void) {
  if (!key_ok && !(key_ok = pthread_key_create(&_mi_tls_key, key_destructor) == 0))
    _mi_tls_key = MI_TLS_KEY_NONE; /* what a failed call left there is no key */
  void *base = NULL;
  if (_mi_heap_region_base != 0)
    return;
  /* the first piece at the bottom of a free range as large as the whole
   * region: new mappings fill free ranges from their top, so the addresses
   * above the piece, where it grows, stay free longest */
  if (_mi_prim_reserve(MI_HEAP_REGION_SIZE, &base) == 0)
    _mi_prim_free((uint8_t *)base + MI_HEAP_REGION_FIRST, MI_HEAP_REGION_SIZE - MI_HEAP_REGION_FIRST);
  else if (_mi_prim_reserve(MI_HEAP_REGION_FIRST, &base) != 0)
    base = NULL;
  if (base != NULL) {
    _mi_heap_region_base = (uintptr_t)base;
    atomic_store_explicit(&region_max, MI_HEAP_REGION_FIRST >> MI_HEAP_SLOT_SHIFT, memory_order_release);
  }
}

void _mi_tls_key_set(mi_heap_t *heap) {
  if (key_ok)
    pthread_setspecific(_mi_tls_key, heap == &_mi_heap_empty ? NULL : heap);
}

mi_heap_t *_mi_tls_key_get(void) {
  mi_heap_t *heap = key_ok ? pthread_getspecific(_mi_tls_key) : NULL;
  return heap != NULL ? heap : &_mi_heap_empty;
}

/* fork (internal.h, "Locks and fork"): the free slots leak in a child
 * that cannot trust their list */
static uint64_t region_note;

void _mi_tls_fork_prepare(void) {
  region_note = _mi_lock_fork_note(&region_lock);
}

void _mi_tls_fork_child(void) {
  if (!_mi_lock_fork_child(&region_lock, region_note))
    free_slots = NULL;
}

/* ---- heap slots ------------------------------------------------------------------ */

/* A free slot keeps a dead heap image at its start: a stale pointer to it
 * finds only empty pages and a heap that belongs to no thread. */
static void slot_make_dead(void *slot) {
  mi_heap_t *heap = slot;
  memcpy(heap, &_mi_heap_empty, sizeof *heap);
}

static void **slot_link(void *slot) {
  return (void **)((uint8_t *)slot + MI_HEAP_SLOT_SIZE - sizeof(void *));
}

static size_t region_slots_max(void) {
  return atomic_load_explicit(&region_max, memory_order_acquire);
}

/* Room for one more slot in the region, growing it if it is full (under
 * region_lock); false if it cannot grow. */
static bool region_room(void) {
  size_t max = region_slots_max();
  if (region_slots < max)
    return true;
  size_t bytes = max << MI_HEAP_SLOT_SHIFT;
  if (_mi_heap_region_base == 0 || bytes >= MI_HEAP_REGION_SIZE ||
      _mi_prim_resize((void *)_mi_heap_region_base, bytes, 2 * bytes) != 0) {
    _mi_verbose_message("the heap region stays at %zu heaps: further heaps live outside it\n", max);
    return false;
  }
  atomic_store_explicit(&region_max, 2 * max, memory_order_release);
  return true;
}

/* A zeroed MI_HEAP_SLOT_SIZE block for a heap (and its thread data). */
void *_mi_heap_slot_alloc(void) {
  void *slot = NULL;
  _mi_lock(&region_lock);
  if (free_slots != NULL) {
    slot = free_slots;
    free_slots = *slot_link(slot);
  } else if (region_room() &&
             _mi_prim_commit((void *)(_mi_heap_region_base + (region_slots << MI_HEAP_SLOT_SHIFT)),
                             MI_HEAP_SLOT_SIZE) == 0) {
    /* the region is reserved read-only; each slot is committed when first
     * handed out, and stays committed when recycled */
    slot = (void *)(_mi_heap_region_base + (region_slots << MI_HEAP_SLOT_SHIFT));
    region_slots++;
    if (!atomic_load_explicit(&fallback, memory_order_relaxed))
      atomic_store_explicit(&_mi_heap_region_limit, region_slots, memory_order_release);
  }
  _mi_unlock(&region_lock);
  if (slot == NULL && _mi_prim_alloc(NULL, MI_HEAP_SLOT_SIZE, _mi_os_page_size(), true, &slot) != 0)
    return NULL; /* outside the region: usable, but never stored in a slot */
  memset(slot, 0, MI_HEAP_SLOT_SIZE);
  return slot;
}

void _mi_heap_slot_free(void *slot) {
  if (!_mi_heap_region_contains((uintptr_t)slot, region_slots_max())) {
    _mi_prim_free(slot, MI_HEAP_SLOT_SIZE);
    return;
  }
  slot_make_dead(slot);
  _mi_lock(&region_lock);
  *slot_link(slot) = free_slots;
  free_slots = slot;
  _mi_unlock(&region_lock);
}

/* ---- the slot mechanism's cold path ------------------------------------------------ */

#if defined(MI_TLS_SLOT)
static bool is_our_heap_slot(uintptr_t v) {
  return _mi_heap_region_base != 0 && _mi_heap_region_contains(v, region_slots_max());
}

/* A value in our slot that is neither 0 nor one of our heaps: someone else
 * uses the slot.  Report it once, count it once per thread (the flag is in
 * the thread's data, so a thread without a heap yet is counted when it gets
 * one), switch every thread to the pthread key, and leave the slot alone
 * from now on. */
static void slot_conflict(uintptr_t v, mi_heap_t *heap) {
  if (heap != &_mi_heap_empty) {
    if (heap->tld->tls_conflict_counted) /* tested first: after a conflict, */
      return;                            /* every malloc of the thread comes here */
    heap->tld->tls_conflict_counted = true;
    atomic_fetch_add(&conflicts, 1);
  }
  if (!atomic_exchange(&fallback, true)) {
    atomic_store_explicit(&_mi_heap_region_limit, 0, memory_order_release);
    char msg[320];
    _mi_snprintf(msg, sizeof msg,
                 "mialloc: warning: TLS slot %d holds a foreign value (%p): another component uses it; "
                 "switching to a pthread key for every thread and leaving the slot alone (rebuild with "
                 "--with-tls=pthread or another --with-tls-slot to avoid this)\n",
                 MI_TLS_SLOT, (void *)v);
    _mi_fputs(NULL, NULL, NULL, msg);
    _mi_error_message(MI_ERROR_TLS_CONFLICT, "TLS slot %d is used by another component\n", MI_TLS_SLOT);
  }
}

static bool slot_is_foreign(uintptr_t v) {
  return v != 0 && !is_our_heap_slot(v);
}

mi_heap_t *_mi_tls_slot_resolve(void) {
  uintptr_t v = _mi_tls_slot_load();
  if (_mi_heap_region_contains(v, atomic_load_explicit(&_mi_heap_region_limit, memory_order_relaxed)))
    return (mi_heap_t *)v;
  mi_heap_t *heap = _mi_tls_key_get();
  if (slot_is_foreign(v))
    slot_conflict(v, heap);
  return heap;
}

void _mi_tls_slot_set(mi_heap_t *heap) {
  _mi_tls_key_set(heap);
  uintptr_t v = _mi_tls_slot_load();
  if (slot_is_foreign(v)) {
    slot_conflict(v, heap);
    return;
  }
  if (atomic_load_explicit(&fallback, memory_order_relaxed))
    return;
  uintptr_t h = (uintptr_t)heap;
  _mi_tls_slot_store(heap != &_mi_heap_empty && is_our_heap_slot(h) ? h : 0);
}
#endif

/* ---- run-time reporting ------------------------------------------------------------ */

const char *mi_tls_mechanism(void) {
  if (atomic_load_explicit(&fallback, memory_order_relaxed))
    return "pthread";
  return MI_TLS_NAME;
}

long mi_tls_slot(void) {
  return MI_TLS_SLOT_INDEX;
}

size_t mi_tls_conflicts(void) {
  return atomic_load_explicit(&conflicts, memory_order_relaxed);
}
