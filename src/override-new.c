/* override-new.c - C++'s replaceable operator new and delete, every form,
 * defined in C under their Itanium C++ ABI names, so that a C++ program
 * linked with libmialloc, or run with it in LD_PRELOAD, allocates with
 * mialloc without passing through the C++ runtime's operators (which call
 * malloc and free: one more call and two more jumps each way).  Built with
 * --enable-override on ELF systems, like override.c; on macOS the C++
 * runtime's operators reach mialloc through the interposed malloc and free.
 *
 * Four are the base: operator new(size), new(size, alignment), delete(p)
 * and delete(p, alignment).  The standard defines the others by them (new[]
 * calls new, sized delete calls delete, ...), so that a program that
 * replaces only a base operator has every form go through its own.  A
 * derived form here therefore allocates and frees directly only while the
 * base it stands on is this file's (the address the process resolved for
 * the base's name is ours: a load and a compare); otherwise it hands the
 * call to the C++ runtime's definition of the same form, which calls the
 * program's base.
 *
 * What C cannot do is the rest of operator new's contract on failure: call
 * the new handler, throw std::bad_alloc.  A failed allocation is handed to
 * the C++ runtime's definition of the same operator (the next one, dlsym
 * RTLD_NEXT), which retries through malloc (mialloc's), runs the handler
 * and throws as the standard says; its nothrow forms return NULL.  Without
 * a C++ runtime in the process (a C program calling these names, or one
 * linked with -static) the throwing forms report ENOMEM and abort, and the
 * nothrow forms return NULL.  A program linked with -static that replaces
 * a base operator gets its base called directly from the derived forms
 * (a nothrow form then lets its exception through). */
#include "fast.h"
#include "prim/prim.h"

#include <stdlib.h>

/* Weak: a program linked with libmialloc.a that defines some of the
 * operators itself keeps its own, and gets the others from here without a
 * clash of definitions (the C++ runtime's archive has one object per
 * operator for the same reason).  Shared, weak and strong definitions
 * interpose alike. */
#define MI_CXX_OP __attribute__((visibility("default"), weak))

/* The mangled name of size_t: unsigned long where long is 64 bits wide
 * (LP64), unsigned int on the 32-bit ABIs (x32 too). */
#if defined(__LP64__) || defined(_LP64)
#define MI_SZ "m"
typedef unsigned long mi_cxx_size_t;
#else
#define MI_SZ "j"
typedef unsigned int mi_cxx_size_t;
#endif
_Static_assert(_Generic((size_t)0, mi_cxx_size_t: 1, default: 0), "size_t is mangled as " MI_SZ);

#define MI_NOTHROW "RKSt9nothrow_t" /* const std::nothrow_t & */
#define MI_ALIGN "St11align_val_t"  /* std::align_val_t, a size_t */

typedef void *(*mi_new_fn)(size_t);
typedef void *(*mi_new_nothrow_fn)(size_t, const void *);
typedef void *(*mi_new_aligned_fn)(size_t, size_t);
typedef void *(*mi_new_aligned_nothrow_fn)(size_t, size_t, const void *);
typedef void (*mi_delete_fn)(void *);
typedef void (*mi_delete_size_fn)(void *, size_t);
typedef void (*mi_delete_size_aligned_fn)(void *, size_t, size_t);
typedef void (*mi_delete_nothrow_fn)(void *, const void *);
typedef void (*mi_delete_aligned_nothrow_fn)(void *, size_t, const void *);

/* ---- failure: the C++ runtime's turn -------------------------------------------- */

__attribute__((noinline, cold, noreturn)) static void no_runtime(const char *what, size_t size) {
  _mi_error_message(ENOMEM, "out of memory in %s (%zu bytes), and no C++ runtime to throw std::bad_alloc\n", what,
                    size);
  abort();
}

__attribute__((noinline, cold)) static void *new_failed(const char *name, const char *what, size_t size) {
  mi_new_fn next = (mi_new_fn)_mi_prim_next_symbol(name);
  if (next == NULL)
    no_runtime(what, size);
  return next(size);
}

__attribute__((noinline, cold)) static void *new_aligned_failed(const char *name, const char *what, size_t size,
                                                                size_t alignment) {
  mi_new_aligned_fn next = (mi_new_aligned_fn)_mi_prim_next_symbol(name);
  if (next == NULL)
    no_runtime(what, size);
  return next(size, alignment);
}

__attribute__((noinline, cold)) static void *new_nothrow_failed(const char *name, size_t size, const void *nt) {
  mi_new_nothrow_fn next = (mi_new_nothrow_fn)_mi_prim_next_symbol(name);
  return next != NULL ? next(size, nt) : NULL;
}

__attribute__((noinline, cold)) static void *new_aligned_nothrow_failed(const char *name, size_t size,
                                                                        size_t alignment, const void *nt) {
  mi_new_aligned_nothrow_fn next = (mi_new_aligned_nothrow_fn)_mi_prim_next_symbol(name);
  return next != NULL ? next(size, alignment, nt) : NULL;
}

/* A throwing new of mialloc's, named NAME (mangled) and WHAT (for messages). */
static inline void *new_throwing(size_t size, const char *name, const char *what) {
  void *p = _mi_heap_malloc(_mi_heap_default(), size);
  return mi_likely(p != NULL) ? p : new_failed(name, what, size);
}

static inline void *new_aligned_throwing(size_t size, size_t alignment, const char *name, const char *what) {
  void *p = mi_malloc_aligned(size, alignment);
  return mi_likely(p != NULL) ? p : new_aligned_failed(name, what, size, alignment);
}

/* ---- the base operators ------------------------------------------------------------ */

static void *op_new(size_t size) {
  return new_throwing(size, "_Znw" MI_SZ, "operator new");
}

static void *op_new_aligned(size_t size, size_t alignment) {
  return new_aligned_throwing(size, alignment, "_Znw" MI_SZ MI_ALIGN, "operator new");
}

static void op_delete(void *p) {
  _mi_free_named(p, "operator delete");
}

static void op_delete_aligned(void *p, size_t alignment) {
  (void)alignment;
  _mi_free_named(p, "operator delete");
}

/* Their exported names, weak aliases; the address the process resolved for
 * each (from the GOT) is ours unless something else defines the name. */
MI_CXX_OP void *base_new(size_t size) __asm__("_Znw" MI_SZ) __attribute__((alias("op_new")));
MI_CXX_OP void *base_new_aligned(size_t size, size_t alignment) __asm__("_Znw" MI_SZ MI_ALIGN)
    __attribute__((alias("op_new_aligned")));
MI_CXX_OP void base_delete(void *p) __asm__("_ZdlPv") __attribute__((alias("op_delete")));
MI_CXX_OP void base_delete_aligned(void *p, size_t alignment) __asm__("_ZdlPv" MI_ALIGN)
    __attribute__((alias("op_delete_aligned")));

static inline bool ours(void (*resolved)(void), void (*own)(void)) {
  return resolved == own;
}
#define MI_OURS(base, impl) mi_likely(ours((void (*)(void))(base), (void (*)(void))(impl)))

/* The C++ runtime's definition of a derived form, for a replaced base; or
 * none (linked with -static): then the base is called directly. */
__attribute__((noinline, cold)) static void (*runtime_form(const char *name))(void) {
  return (void (*)(void))_mi_prim_next_symbol(name);
}

/* ---- the derived forms ------------------------------------------------------------- */

/* Each form: NAME its mangled name, the test of its base, mialloc's
 * allocation or free, and (out of line, cold) the runtime's form or the
 * base for a replaced base.  PARAMS, ARGS: its parameters and the call's
 * arguments; FN_T: its type; GIVE: `return` for a new, nothing for a
 * delete. */
#define MI_FORM(fn, name, ret, give, params, args, fn_t, base_ours, direct, base_call) \
  __attribute__((noinline, cold)) static ret fn##_replaced params {                \
    fn_t form = (fn_t)runtime_form(name);                                          \
    if (form != NULL) {                                                            \
      give form args;                                                              \
    } else {                                                                       \
      give base_call;                                                              \
    }                                                                              \
  }                                                                                \
  MI_CXX_OP ret fn params __asm__(name);                                           \
  MI_CXX_OP ret fn params {                                                        \
    if (!(base_ours)) {                                                            \
      give fn##_replaced args;                                                     \
    } else {                                                                       \
      direct;                                                                      \
    }                                                                              \
  }
#define MI_NEW_OURS MI_OURS(base_new, op_new)
#define MI_NEW_ALIGNED_OURS MI_OURS(base_new_aligned, op_new_aligned)
#define MI_DELETE_OURS MI_OURS(base_delete, op_delete)
#define MI_DELETE_ALIGNED_OURS MI_OURS(base_delete_aligned, op_delete_aligned)

#define MI_NEW_ARRAY(fn, name)                                                                        \
  MI_FORM(fn, name, void *, return, (size_t size), (size), mi_new_fn, MI_NEW_OURS,                           \
          return new_throwing(size, name, "operator new[]"), base_new(size))
#define MI_NEW_NOTHROW(fn, name)                                                                      \
  MI_FORM(fn, name, void *, return, (size_t size, const void *nt), (size, nt), mi_new_nothrow_fn, MI_NEW_OURS, \
          void *p = _mi_heap_malloc(_mi_heap_default(), size);                                        \
          return mi_likely(p != NULL) ? p : new_nothrow_failed(name, size, nt), base_new(size))
#define MI_NEW_ALIGNED_ARRAY(fn, name)                                                                \
  MI_FORM(fn, name, void *, return, (size_t size, size_t alignment), (size, alignment), mi_new_aligned_fn,   \
          MI_NEW_ALIGNED_OURS, return new_aligned_throwing(size, alignment, name, "operator new[]"),   \
          base_new_aligned(size, alignment))
#define MI_NEW_ALIGNED_NOTHROW(fn, name)                                                              \
  MI_FORM(fn, name, void *, return, (size_t size, size_t alignment, const void *nt), (size, alignment, nt),  \
          mi_new_aligned_nothrow_fn, MI_NEW_ALIGNED_OURS, void *p = mi_malloc_aligned(size, alignment); \
          return mi_likely(p != NULL) ? p : new_aligned_nothrow_failed(name, size, alignment, nt),     \
          base_new_aligned(size, alignment))
/* A delete, on the base delete(p) or, with an alignment, delete(p, alignment). */
#define MI_DELETE(fn, name, what, params, args, fn_t)                                                 \
  MI_FORM(fn, name, void, , params, args, fn_t, MI_DELETE_OURS, _mi_free_named(p, what), base_delete(p))
#define MI_DELETE_ALIGNED(fn, name, what, params, args, fn_t)                                         \
  MI_FORM(fn, name, void, , params, args, fn_t, MI_DELETE_ALIGNED_OURS, _mi_free_named(p, what),        \
          base_delete_aligned(p, alignment))

MI_NEW_ARRAY(op_new_array, "_Zna" MI_SZ)
MI_NEW_NOTHROW(op_new_nothrow, "_Znw" MI_SZ MI_NOTHROW)
MI_NEW_NOTHROW(op_new_array_nothrow, "_Zna" MI_SZ MI_NOTHROW)
MI_NEW_ALIGNED_ARRAY(op_new_array_aligned, "_Zna" MI_SZ MI_ALIGN)
MI_NEW_ALIGNED_NOTHROW(op_new_aligned_nothrow, "_Znw" MI_SZ MI_ALIGN MI_NOTHROW)
MI_NEW_ALIGNED_NOTHROW(op_new_array_aligned_nothrow, "_Zna" MI_SZ MI_ALIGN MI_NOTHROW)

MI_DELETE(op_delete_array, "_ZdaPv", "operator delete[]", (void *p), (p), mi_delete_fn)
MI_DELETE(op_delete_nothrow, "_ZdlPv" MI_NOTHROW, "operator delete", (void *p, const void *nt), (p, nt),
          mi_delete_nothrow_fn)
MI_DELETE(op_delete_array_nothrow, "_ZdaPv" MI_NOTHROW, "operator delete[]", (void *p, const void *nt), (p, nt),
          mi_delete_nothrow_fn)
MI_DELETE(op_delete_sized, "_ZdlPv" MI_SZ, "operator delete", (void *p, size_t size), (p, size), mi_delete_size_fn)
MI_DELETE(op_delete_array_sized, "_ZdaPv" MI_SZ, "operator delete[]", (void *p, size_t size), (p, size),
          mi_delete_size_fn)
MI_DELETE_ALIGNED(op_delete_array_aligned, "_ZdaPv" MI_ALIGN, "operator delete[]", (void *p, size_t alignment),
                  (p, alignment), mi_delete_size_fn)
MI_DELETE_ALIGNED(op_delete_aligned_nothrow, "_ZdlPv" MI_ALIGN MI_NOTHROW, "operator delete",
                  (void *p, size_t alignment, const void *nt), (p, alignment, nt), mi_delete_aligned_nothrow_fn)
MI_DELETE_ALIGNED(op_delete_array_aligned_nothrow, "_ZdaPv" MI_ALIGN MI_NOTHROW, "operator delete[]",
                  (void *p, size_t alignment, const void *nt), (p, alignment, nt), mi_delete_aligned_nothrow_fn)
MI_DELETE_ALIGNED(op_delete_sized_aligned, "_ZdlPv" MI_SZ MI_ALIGN, "operator delete",
                  (void *p, size_t size, size_t alignment), (p, size, alignment), mi_delete_size_aligned_fn)
MI_DELETE_ALIGNED(op_delete_array_sized_aligned, "_ZdaPv" MI_SZ MI_ALIGN, "operator delete[]",
                  (void *p, size_t size, size_t alignment), (p, size, alignment), mi_delete_size_aligned_fn)
