// cxx-new.cpp - C++'s operator new and delete on mialloc, every form, as a
// C++ program uses them; and the STL allocators of mialloc.hpp.  Built
// three times (tests/local.mk): linked with libmialloc-cxx; (with
// MI_TEST_HEADER) including mialloc-new-delete.h and linked with
// libmialloc only; and (with MI_TEST_OVERRIDE, where libmialloc overrides
// malloc on ELF) linked with libmialloc only, whose own operators
// (src/override-new.c) leave the handler and the throwing to the C++
// runtime's.  Exit status: 0 pass, 1 fail, 77 skip.
#include <mialloc.hpp>
#if defined(MI_TEST_HEADER)
#include <mialloc-new-delete.h>
#endif

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <vector>

// A sanitizer's runtime defines operator new and delete itself, and is
// loaded first: a program linked with libmialloc-cxx gets the sanitizer's
// (one that defines them itself, with the header, still gets its own).
// Asked at run time: the program may not be compiled with the sanitizer
// that its link brought in.
static bool sanitizer_loaded() {
  return dlsym(RTLD_DEFAULT, "__asan_init") != nullptr || dlsym(RTLD_DEFAULT, "__tsan_init") != nullptr;
}

static int failures;
#define CHECK(cond)                                                       \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "cxx-new: %d: FAIL: %s\n", __LINE__, #cond); \
      failures++;                                                         \
    }                                                                     \
  } while (0)

// Larger than any object may be: never satisfiable, on 32-bit targets too
// (where SIZE_MAX / 4, 1 GiB, may well be).  Read through a volatile, so
// that the compiler does not warn of a constant that large.
static std::size_t never_satisfiable() {
  volatile std::size_t largest_object = PTRDIFF_MAX;
  return largest_object + 1;
}
static const std::size_t huge = never_satisfiable();

// A block of mialloc's, at least n bytes, aligned to al.
static bool ours(const void *p, std::size_t n, std::size_t al) {
  return p != nullptr && mi_is_in_heap_region(p) && mi_usable_size(p) >= n &&
         (reinterpret_cast<std::uintptr_t>(p) & (al - 1)) == 0;
}

// The operators the program calls are those under test: from
// libmialloc-cxx, from this program (the header) or from libmialloc, not
// libstdc++'s.
static void check_definitions() {
  void *(*plain)(std::size_t) = &::operator new;
  void (*del)(void *) noexcept = &::operator delete;
  Dl_info found, self;
  CHECK(dladdr(reinterpret_cast<void *>(plain), &found) != 0);
  CHECK(dladdr(reinterpret_cast<void *>(&check_definitions), &self) != 0);
#if defined(MI_TEST_HEADER)
  CHECK(found.dli_fbase == self.dli_fbase);
#elif defined(MI_TEST_OVERRIDE)
  // libmialloc.so.0, or linked in from libmialloc.a (--disable-shared)
  void *shared = dlopen("libmialloc.so.0", RTLD_LAZY | RTLD_NOLOAD);
  const char *lib = shared != nullptr ? "libmialloc.so" : nullptr;
  if (lib != nullptr)
    CHECK(found.dli_fname != nullptr && std::strstr(found.dli_fname, lib) != nullptr);
  else
    CHECK(found.dli_fbase == self.dli_fbase);
#else
  // libmialloc-cxx.so.0 when it is loaded; linked in from libmialloc-cxx.a
  // (--disable-shared) otherwise
  void *shared = dlopen("libmialloc-cxx.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (shared != nullptr)
    CHECK(found.dli_fname != nullptr && std::strstr(found.dli_fname, "libmialloc-cxx") != nullptr);
  else
    CHECK(found.dli_fbase == self.dli_fbase);
#endif
#if defined(MI_TEST_OVERRIDE)
  const char *del_lib = "libmialloc.so";
#else
  const char *del_lib = "libmialloc-cxx";
#endif
  CHECK(dladdr(reinterpret_cast<void *>(del), &found) != 0 &&
        (found.dli_fbase == self.dli_fbase ||
         (found.dli_fname != nullptr && std::strstr(found.dli_fname, del_lib) != nullptr)));
}

static void check_forms() {
  const std::nothrow_t &nt = std::nothrow;
  void *p = ::operator new(100);
  CHECK(ours(p, 100, 16));
  ::operator delete(p);
  p = ::operator new[](200);
  CHECK(ours(p, 200, 16));
  ::operator delete[](p);
  p = ::operator new(0);
  void *q = ::operator new(0);
  CHECK(p != nullptr && q != nullptr && p != q && mi_is_in_heap_region(p));
  ::operator delete(p, nt);
  ::operator delete[](q, nt);
  p = ::operator new(300, nt);
  CHECK(ours(p, 300, 16));
  ::operator delete(p, std::size_t(300));
  p = ::operator new[](400, nt);
  CHECK(ours(p, 400, 16));
  ::operator delete[](p, std::size_t(400));
  for (std::size_t al = 32; al <= (std::size_t(1) << 20); al <<= 3) {
    std::align_val_t a = static_cast<std::align_val_t>(al);
    p = ::operator new(al + 8, a);
    CHECK(ours(p, al + 8, al));
    ::operator delete(p, a);
    p = ::operator new[](3 * al, a);
    CHECK(ours(p, 3 * al, al));
    ::operator delete[](p, a);
    p = ::operator new(100, a, nt);
    CHECK(ours(p, 100, al));
    ::operator delete(p, a, nt);
    p = ::operator new[](100, a, nt);
    CHECK(ours(p, 100, al));
    ::operator delete[](p, a, nt);
    p = ::operator new(50, a);
    CHECK(ours(p, 50, al));
    ::operator delete(p, 50, a);
    p = ::operator new[](60, a);
    CHECK(ours(p, 60, al));
    ::operator delete[](p, 60, a);
  }
  // new-expressions: over-aligned types take the aligned forms
  struct alignas(256) Wide {
    char c[300];
  };
  Wide *w = new Wide;
  CHECK(ours(w, sizeof(Wide), 256));
  delete w;
  Wide *ws = new Wide[3];
  CHECK(ours(ws, 3 * sizeof(Wide), 256));
  delete[] ws;
  std::string *s = new std::string(1000, 'x');
  CHECK(ours(s, sizeof *s, 8) && ours(s->data(), 1000, 8));
  delete s;
}

static int handler_calls;
static void handler_gives_up() {
  if (++handler_calls == 3)
    std::set_new_handler(nullptr); // the next failure throws
}
static void handler_throws() {
  handler_calls++;
  throw std::bad_alloc();
}
static void handler_frees() { // makes the retry succeed
  handler_calls++;
  mi_option_set(mi_option_limit_os_alloc, 0);
}

static void check_failures() {
  const std::nothrow_t &nt = std::nothrow;
  std::align_val_t a = static_cast<std::align_val_t>(64);
  // no handler: throwing forms throw, nothrow forms return NULL
  std::set_new_handler(nullptr);
  bool threw = false;
  try {
    void *p = ::operator new(huge);
    ::operator delete(p);
  } catch (const std::bad_alloc &) {
    threw = true;
  }
  CHECK(threw);
  threw = false;
  try {
    void *p = ::operator new[](huge, a);
    ::operator delete[](p, a);
  } catch (const std::bad_alloc &) {
    threw = true;
  }
  CHECK(threw);
  CHECK(::operator new(huge, nt) == nullptr);
  CHECK(::operator new[](huge, nt) == nullptr);
  CHECK(::operator new(huge, a, nt) == nullptr);
  CHECK(::operator new[](huge, a, nt) == nullptr);

  // the handler is called after every failure until it is removed
  handler_calls = 0;
  std::set_new_handler(handler_gives_up);
  threw = false;
  try {
    void *p = ::operator new(huge);
    ::operator delete(p);
  } catch (const std::bad_alloc &) {
    threw = true;
  }
  CHECK(threw && handler_calls == 3);

  // nothrow forms call it too, and return NULL when it throws
  handler_calls = 0;
  std::set_new_handler(handler_throws);
  CHECK(::operator new(huge, nt) == nullptr && handler_calls == 1);
  CHECK(::operator new[](huge, a, nt) == nullptr && handler_calls == 2);

  // a handler that makes room: the retry succeeds (200 MiB needs a fresh
  // mapping, which limit_os_alloc refuses until the handler lifts it)
  handler_calls = 0;
  std::set_new_handler(handler_frees);
  mi_option_set(mi_option_limit_os_alloc, 1);
  void *p = ::operator new(std::size_t(200) << 20);
  CHECK(ours(p, std::size_t(200) << 20, 16) && handler_calls == 1);
  ::operator delete(p);
  mi_option_set(mi_option_limit_os_alloc, 1);
  p = ::operator new(std::size_t(200) << 20, a);
  CHECK(ours(p, std::size_t(200) << 20, 64) && handler_calls == 2);
  ::operator delete(p, a);

  // mialloc.h's mi_new family, from C, runs the same handler: it finds
  // std::get_new_handler in the C++ runtime; an exception it throws comes
  // through the C frames
  mi_option_set(mi_option_limit_os_alloc, 1);
  p = mi_new(std::size_t(200) << 20);
  CHECK(ours(p, std::size_t(200) << 20, 16) && handler_calls == 3);
  mi_free(p);
  handler_calls = 0;
  std::set_new_handler(handler_throws);
  threw = false;
  try {
    p = mi_new_n(huge, 2);
  } catch (const std::bad_alloc &) {
    threw = true;
  }
  CHECK(threw && handler_calls == 1);
  // the nothrow ones cannot catch what it throws: they do not run it
  CHECK(mi_new_aligned_nothrow(huge, 64) == nullptr && mi_new_nothrow(huge) == nullptr && handler_calls == 1);
  std::set_new_handler(nullptr);
}

static void check_stl_allocators() {
  std::vector<int, mi_stl_allocator<int>> v(1000, 7);
  CHECK(ours(v.data(), 4000, 4) && v[999] == 7);
  CHECK(mi_stl_allocator<int>() == mi_stl_allocator<double>());

  mi_heap_stl_allocator<int> heap_alloc;
  std::vector<int, mi_heap_stl_allocator<int>> hv(heap_alloc);
  hv.assign(5000, 3);
  CHECK(mi_heap_contains_block(heap_alloc.heap(), hv.data()));
  typedef std::pair<const int, int> entry;
  mi_heap_stl_allocator<entry> entry_alloc(heap_alloc); // a rebind: the same heap
  std::map<int, int, std::less<int>, mi_heap_stl_allocator<entry>> m(entry_alloc);
  for (int i = 0; i < 100; i++)
    m[i] = i;
  CHECK(m.size() == 100 && mi_heap_contains_block(heap_alloc.heap(), &*m.find(50)));
  CHECK(mi_heap_stl_allocator<int>(heap_alloc) == heap_alloc && mi_heap_stl_allocator<int>() != heap_alloc);

  // the destroying one: deallocate does nothing, the heap goes at the end
  {
    mi_heap_destroy_stl_allocator<int> d;
    std::vector<int, mi_heap_destroy_stl_allocator<int>> dv(d);
    for (int i = 0; i < 10000; i++)
      dv.push_back(i);
    CHECK(mi_heap_contains_block(d.heap(), dv.data()) && dv[9999] == 9999);
  }
  // an allocator over a given heap leaves it alone
  mi_heap_t *own = mi_heap_new();
  {
    mi_heap_stl_allocator<char> given(own);
    std::vector<char, mi_heap_stl_allocator<char>> cv(100, 'c', given);
    CHECK(mi_heap_contains_block(own, cv.data()));
  }
  void *after = mi_heap_malloc(own, 10); // still usable
  CHECK(mi_heap_contains_block(own, after));
  mi_heap_delete(own);
  mi_free(after);
}

int main() {
#if !defined(MI_TEST_HEADER)
  if (sanitizer_loaded()) {
    std::printf("cxx-new: SKIP: the sanitizer's operator new comes before mialloc's\n");
    return 77;
  }
#endif
  check_definitions();
  check_forms();
  check_failures();
  check_stl_allocators();
  if (failures == 0)
    std::printf("cxx-new: ok\n");
  return failures == 0 ? 0 : 1;
}
