/* mialloc.hpp - C++ allocators over mialloc, for standard containers
 * (C++11 or later):
 *
 *   mi_stl_allocator<T>               blocks from the thread's default heap
 *   mi_heap_stl_allocator<T>          blocks from a heap of its own (or a
 *                                     given one), deleted with the last copy
 *   mi_heap_destroy_stl_allocator<T>  the same, but the heap is destroyed
 *                                     with all its blocks at once, and
 *                                     deallocate does nothing
 *
 * Copyright (c) 2026 the mialloc authors.  MIT licence, see COPYING.
 * Names and behaviour as in mimalloc's mimalloc.h; see mialloc(3).
 */
#ifndef MIALLOC_HPP
#define MIALLOC_HPP

#include "mialloc.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

/* What the allocators share: types, construct/destroy, max_size. */
template <class T> struct _mi_stl_allocator_common {
  typedef T value_type;
  typedef std::size_t size_type;
  typedef std::ptrdiff_t difference_type;
  typedef T &reference;
  typedef const T &const_reference;
  typedef T *pointer;
  typedef const T *const_pointer;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;

  template <class U, class... Args> void construct(U *p, Args &&...args) {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
  template <class U> void destroy(U *p) noexcept { p->~U(); }
  size_type max_size() const noexcept { return PTRDIFF_MAX / sizeof(T); }
  pointer address(reference x) const noexcept { return std::addressof(x); }
  const_pointer address(const_reference x) const noexcept { return std::addressof(x); }
};

/* Blocks from the calling thread's default heap; all instances are equal.
 * allocate follows operator new's rules (mi_new_n(3)). */
template <class T> struct mi_stl_allocator : public _mi_stl_allocator_common<T> {
  using is_always_equal = std::true_type;
  template <class U> struct rebind { typedef mi_stl_allocator<U> other; };

  mi_stl_allocator() noexcept = default;
  mi_stl_allocator(const mi_stl_allocator &) noexcept = default;
  template <class U> mi_stl_allocator(const mi_stl_allocator<U> &) noexcept {}
  mi_stl_allocator select_on_container_copy_construction() const { return *this; }

  T *allocate(std::size_t count, const void * = nullptr) {
    return static_cast<T *>(mi_new_n(count, sizeof(T)));
  }
  void deallocate(T *p, std::size_t) noexcept { mi_free(p); }
};

template <class T1, class T2>
bool operator==(const mi_stl_allocator<T1> &, const mi_stl_allocator<T2> &) noexcept {
  return true;
}
template <class T1, class T2>
bool operator!=(const mi_stl_allocator<T1> &, const mi_stl_allocator<T2> &) noexcept {
  return false;
}

#define MI_HAS_HEAP_STL_ALLOCATOR 1

/* Blocks from one heap, shared by every copy of the allocator (and its
 * rebinds).  A heap the allocator made is deleted (mi_heap_delete(3):
 * live blocks move to the thread's default heap) or, with `destroy`,
 * destroyed (mi_heap_destroy(3): its blocks are freed) when the last copy
 * goes; a heap passed in is left alone.  Heaps belong to the thread that
 * made them: use these allocators in that thread. */
template <class T, bool destroy> struct _mi_heap_stl_allocator_common : public _mi_stl_allocator_common<T> {
  using is_always_equal = std::false_type;

  explicit _mi_heap_stl_allocator_common(mi_heap_t *hp) : heap_(hp, [](mi_heap_t *) {}) {}
  _mi_heap_stl_allocator_common() : heap_(mi_heap_new(), destroy ? &heap_destroy : &heap_delete) {
    if (heap_ == nullptr)
      throw std::bad_alloc();
  }
  _mi_heap_stl_allocator_common(const _mi_heap_stl_allocator_common &x) noexcept = default;
  template <class U>
  _mi_heap_stl_allocator_common(const _mi_heap_stl_allocator_common<U, destroy> &x) noexcept : heap_(x.heap_) {}

  T *allocate(std::size_t count, const void * = nullptr) {
    return static_cast<T *>(mi_heap_alloc_new_n(heap_.get(), count, sizeof(T)));
  }
  /* The heap the blocks come from. */
  mi_heap_t *heap() const noexcept { return heap_.get(); }
  void collect(bool force) { mi_heap_collect(heap_.get(), force); }
  template <class U> bool is_equal(const _mi_heap_stl_allocator_common<U, destroy> &x) const noexcept {
    return heap_ == x.heap_;
  }

protected:
  std::shared_ptr<mi_heap_t> heap_;
  template <class U, bool D> friend struct _mi_heap_stl_allocator_common;

private:
  static void heap_delete(mi_heap_t *hp) {
    if (hp != nullptr)
      mi_heap_delete(hp);
  }
  static void heap_destroy(mi_heap_t *hp) {
    if (hp != nullptr)
      mi_heap_destroy(hp);
  }
};

template <class T> struct mi_heap_stl_allocator : public _mi_heap_stl_allocator_common<T, false> {
  template <class U> struct rebind { typedef mi_heap_stl_allocator<U> other; };
  mi_heap_stl_allocator() : _mi_heap_stl_allocator_common<T, false>() {}
  explicit mi_heap_stl_allocator(mi_heap_t *hp) : _mi_heap_stl_allocator_common<T, false>(hp) {}
  template <class U>
  mi_heap_stl_allocator(const mi_heap_stl_allocator<U> &x) noexcept : _mi_heap_stl_allocator_common<T, false>(x) {}
  mi_heap_stl_allocator select_on_container_copy_construction() const { return *this; }
  void deallocate(T *p, std::size_t) noexcept { mi_free(p); }
};

template <class T1, class T2>
bool operator==(const mi_heap_stl_allocator<T1> &x, const mi_heap_stl_allocator<T2> &y) noexcept {
  return x.is_equal(y);
}
template <class T1, class T2>
bool operator!=(const mi_heap_stl_allocator<T1> &x, const mi_heap_stl_allocator<T2> &y) noexcept {
  return !x.is_equal(y);
}

/* deallocate does nothing: the blocks go when the heap is destroyed. */
template <class T> struct mi_heap_destroy_stl_allocator : public _mi_heap_stl_allocator_common<T, true> {
  template <class U> struct rebind { typedef mi_heap_destroy_stl_allocator<U> other; };
  mi_heap_destroy_stl_allocator() : _mi_heap_stl_allocator_common<T, true>() {}
  explicit mi_heap_destroy_stl_allocator(mi_heap_t *hp) : _mi_heap_stl_allocator_common<T, true>(hp) {}
  template <class U>
  mi_heap_destroy_stl_allocator(const mi_heap_destroy_stl_allocator<U> &x) noexcept
      : _mi_heap_stl_allocator_common<T, true>(x) {}
  mi_heap_destroy_stl_allocator select_on_container_copy_construction() const { return *this; }
  void deallocate(T *, std::size_t) noexcept {}
};

template <class T1, class T2>
bool operator==(const mi_heap_destroy_stl_allocator<T1> &x, const mi_heap_destroy_stl_allocator<T2> &y) noexcept {
  return x.is_equal(y);
}
template <class T1, class T2>
bool operator!=(const mi_heap_destroy_stl_allocator<T1> &x, const mi_heap_destroy_stl_allocator<T2> &y) noexcept {
  return !x.is_equal(y);
}

#endif /* MIALLOC_HPP */
