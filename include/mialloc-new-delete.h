/* mialloc-new-delete.h - C++'s replaceable operator new and delete on
 * mialloc: every form (plain, array, nothrow, sized, aligned, aligned
 * nothrow, sized aligned).  Include it in exactly ONE source file of a
 * program that links with -lmialloc but does not use mialloc's override
 * (or runs where there is none): the definitions replace the C++
 * runtime's.  libmialloc-cxx is this file, compiled (mialloc(3)).
 *
 * Copyright (c) 2026 the mialloc authors.  MIT licence, see COPYING.
 *
 * The semantics are the standard's: a throwing operator new calls the
 * new handler (std::get_new_handler) after each failed attempt, and
 * throws std::bad_alloc when there is none; the nothrow forms return
 * NULL instead of throwing (also when the handler throws); the aligned
 * forms honour any power-of-two alignment; every form returns a unique
 * block for a size of 0.
 */
#ifndef MIALLOC_NEW_DELETE_H
#define MIALLOC_NEW_DELETE_H

#if !defined(__cplusplus)
#error "mialloc-new-delete.h is for C++ programs"
#endif

#include "mialloc.h"

#include <cstddef>
#include <new>

#if !defined(MI_NEW_DELETE_EXPORT)
#define MI_NEW_DELETE_EXPORT
#endif

/* operator new's loop: try, then the handler, until one of them gives up. */
static inline void *_mi_cxx_new(std::size_t size, std::size_t alignment) {
  for (;;) {
    void *p = alignment == 0 ? mi_malloc(size) : mi_malloc_aligned(size, alignment);
    if (p != nullptr)
      return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc();
    handler();
  }
}

static inline void *_mi_cxx_new_nothrow(std::size_t size, std::size_t alignment) noexcept {
  try {
    return _mi_cxx_new(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

MI_NEW_DELETE_EXPORT void *operator new(std::size_t size) { return _mi_cxx_new(size, 0); }
MI_NEW_DELETE_EXPORT void *operator new[](std::size_t size) { return _mi_cxx_new(size, 0); }
MI_NEW_DELETE_EXPORT void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
  return _mi_cxx_new_nothrow(size, 0);
}
MI_NEW_DELETE_EXPORT void *operator new[](std::size_t size, const std::nothrow_t &) noexcept {
  return _mi_cxx_new_nothrow(size, 0);
}

MI_NEW_DELETE_EXPORT void operator delete(void *p) noexcept { mi_free(p); }
MI_NEW_DELETE_EXPORT void operator delete[](void *p) noexcept { mi_free(p); }
MI_NEW_DELETE_EXPORT void operator delete(void *p, const std::nothrow_t &) noexcept { mi_free(p); }
MI_NEW_DELETE_EXPORT void operator delete[](void *p, const std::nothrow_t &) noexcept { mi_free(p); }

#if __cplusplus >= 201402L /* sized deallocation */
MI_NEW_DELETE_EXPORT void operator delete(void *p, std::size_t size) noexcept { mi_free_size(p, size); }
MI_NEW_DELETE_EXPORT void operator delete[](void *p, std::size_t size) noexcept { mi_free_size(p, size); }
#endif

#if defined(__cpp_aligned_new) /* C++17 */
MI_NEW_DELETE_EXPORT void *operator new(std::size_t size, std::align_val_t al) {
  return _mi_cxx_new(size, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void *operator new[](std::size_t size, std::align_val_t al) {
  return _mi_cxx_new(size, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void *operator new(std::size_t size, std::align_val_t al, const std::nothrow_t &) noexcept {
  return _mi_cxx_new_nothrow(size, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void *operator new[](std::size_t size, std::align_val_t al, const std::nothrow_t &) noexcept {
  return _mi_cxx_new_nothrow(size, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void operator delete(void *p, std::align_val_t al) noexcept {
  mi_free_aligned(p, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void operator delete[](void *p, std::align_val_t al) noexcept {
  mi_free_aligned(p, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void operator delete(void *p, std::align_val_t al, const std::nothrow_t &) noexcept {
  mi_free_aligned(p, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void operator delete[](void *p, std::align_val_t al, const std::nothrow_t &) noexcept {
  mi_free_aligned(p, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void operator delete(void *p, std::size_t size, std::align_val_t al) noexcept {
  mi_free_size_aligned(p, size, static_cast<std::size_t>(al));
}
MI_NEW_DELETE_EXPORT void operator delete[](void *p, std::size_t size, std::align_val_t al) noexcept {
  mi_free_size_aligned(p, size, static_cast<std::size_t>(al));
}
#endif

#endif /* MIALLOC_NEW_DELETE_H */
