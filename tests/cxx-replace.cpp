// cxx-replace.cpp - a program that replaces only the base forms of
// operator new and delete (new(size), delete(p)) still has every derived
// form (new[], nothrow new, sized delete, delete[] ...) go through them,
// as the standard says, when it is linked with libmialloc, whose override
// defines all forms (src/override-new.c).  Exit status: 0 pass, 1 fail,
// 77 skip.
#include <mialloc.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <new>

static int news, deletes;

void *operator new(std::size_t size) {
  news++;
  void *p = std::malloc(size != 0 ? size : 1);
  if (p == nullptr)
    throw std::bad_alloc();
  return p;
}

void operator delete(void *p) noexcept {
  deletes++;
  std::free(p);
}

static int failures;
#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "cxx-replace: %d: FAIL: %s\n", __LINE__, #cond); \
      failures++;                                                             \
    }                                                                         \
  } while (0)

// through function pointers, so that the compiler calls each form as
// declared (it may not elide or merge them)
static void *(*volatile new_array)(std::size_t) = &::operator new[];
static void *(*volatile new_nothrow)(std::size_t, const std::nothrow_t &) noexcept = &::operator new;
static void *(*volatile new_array_nothrow)(std::size_t, const std::nothrow_t &) noexcept = &::operator new[];
static void (*volatile delete_array)(void *) noexcept = &::operator delete[];
static void (*volatile delete_sized)(void *, std::size_t) noexcept = &::operator delete;
static void (*volatile delete_array_sized)(void *, std::size_t) noexcept = &::operator delete[];
static void (*volatile delete_nothrow)(void *, const std::nothrow_t &) noexcept = &::operator delete;

int main() {
  // a sanitizer's runtime defines every form itself, and comes before
  // libmialloc
  if (dlsym(RTLD_DEFAULT, "__asan_init") != nullptr || dlsym(RTLD_DEFAULT, "__tsan_init") != nullptr) {
    std::printf("cxx-replace: SKIP: the sanitizer's operators come before mialloc's\n");
    return 77;
  }
  void *p = new_array(10);
  CHECK(news == 1 && mi_is_in_heap_region(p));
  delete_array(p);
  CHECK(deletes == 1);
  p = new_nothrow(20, std::nothrow);
  CHECK(news == 2);
  delete_sized(p, 20);
  CHECK(deletes == 2);
  p = new_array_nothrow(30, std::nothrow);
  CHECK(news == 3);
  delete_array_sized(p, 30);
  CHECK(deletes == 3);
  p = new_array(40);
  CHECK(news == 4);
  delete_nothrow(p, std::nothrow);
  CHECK(deletes == 4);
  if (failures == 0)
    std::printf("cxx-replace: ok\n");
  return failures == 0 ? 0 : 1;
}
