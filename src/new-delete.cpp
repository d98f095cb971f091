/* new-delete.cpp - libmialloc-cxx: C++'s operator new and delete on
 * mialloc, for C++ programs that link with -lmialloc-cxx (or preload
 * it).  The definitions are those of the installed header
 * mialloc-new-delete.h, compiled once.  A library of its own, so that
 * libmialloc itself needs no C++ runtime: C programs link it, and preload
 * it into every process, without libstdc++. */
#define MI_NEW_DELETE_EXPORT __attribute__((visibility("default")))
#include "mialloc-new-delete.h"
