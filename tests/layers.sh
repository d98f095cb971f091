#!/bin/sh
# layers.sh - mialloc's files call only downwards.  The layers, lowest
# first (see ../shared/STYLE.md and each file's header comment):
#
#    0  prim/unix prim/linux prim/darwin   the platform (may call each other)
#    1  options                            options and messages
#    2  stats                              the counters
#    3  os                                 mappings and their accounting
#    4  addrmap                            which addresses are ours
#    5  cache abandon                      free segments; exited threads' ones
#    6  segment                            layout and claiming of pages
#    7  page                               free lists, queues, the slow path
#    8  tls                                the TLS mechanisms, heap slots
#    9  stats-print                        the statistics report
#   10  process                            process start, exit and fork
#   11  heap                               heaps and threads
#   12  free heap-usage                    mi_free beyond the fast path; blocks in use
#   13  alloc-aligned                      aligned allocation
#   14  alloc realloc                      the malloc family; resizing
#   15  alloc-new                          C++'s rules: the new handler
#   16  override override-new override-darwin  libc's names, C++'s operators
#   17  override-glibc                     glibc's own interfaces (mallinfo, ...)
#   18  zone                               the macOS malloc zone
#
# A reference (function or data) from a file to one of a higher layer, or
# to another file of the same layer, fails the test; so does a file that is
# in no layer.  process.c, which has the constructor and destructor, is
# below heap.c so that the static library's users link it (nothing above
# the top layer would be).  Reads the library's objects with nm (the static library, or
# the objects of a shared-only build).
#
# Environment: top_builddir (default .), NM.  Exit status: 0 pass, 1 fail,
# 77 skip (no objects found), 99 hard error.

LC_ALL=C
export LC_ALL
me=layers.sh
top_builddir=${top_builddir:-.}
NM=${NM:-nm}

objects=
if test -f "$top_builddir/src/.libs/libmialloc.a"; then
  objects=$top_builddir/src/.libs/libmialloc.a
else
  objects=$(find "$top_builddir/src" -name 'lib*_la-*.o' -path '*/.libs/*' 2>/dev/null | sort)
fi
if test -z "$objects"; then
  echo "$me: SKIP: no objects of the library under $top_builddir/src"
  exit 77
fi

# shellcheck disable=SC2086 # a list of files
$NM -A -P $objects 2>/dev/null | awk -v me="$me" '
  BEGIN {
    n = split("unix:0 linux:0 darwin:0 options:1 stats:2 os:3 addrmap:4 cache:5 abandon:5 " \
              "arena:6 segment:6 page:7 tls:8 stats-print:9 process:10 heap:11 free:12 heap-usage:12 " \
              "alloc-aligned:13 alloc:14 realloc:14 alloc-new:15 compat-v3:15 override:16 override-new:16 override-darwin:16 " \
              "override-glibc:17 zone:18", table, " ")
    for (i = 1; i <= n; i++) { split(table[i], kv, ":"); layer[kv[1]] = kv[2] + 0 }
  }
  {
    file = $1
    sub(/\]:$/, "", file); sub(/:$/, "", file); sub(/.*[\[\/]/, "", file)
    sub(/^lib[a-z]*_la-/, "", file); sub(/\.o$/, "", file)
    seen[file] = 1
    if ($3 == "U") uses[file " " $2] = 1
    else if ($3 ~ /^[TDBRCVWG]$/) defined[$2] = file
  }
  END {
    bad = 0
    for (f in seen)
      if (!(f in layer)) { printf "%s: FAIL: src file %s is in no layer (add it to the table)\n", me, f; bad++ }
    for (k in uses) {
      split(k, a, " ")
      from = a[1]; sym = a[2]
      if (!(sym in defined)) continue
      to = defined[sym]
      if (to == from || !(from in layer) || !(to in layer)) continue
      if (layer[to] < layer[from] || (layer[to] == 0 && layer[from] == 0)) { ok++; continue }
      printf "%s: FAIL: %s (layer %d) uses %s of %s (layer %d)\n", me, from, layer[from], sym, to, layer[to]
      bad++
    }
    files = 0
    for (f in seen) files++
    if (bad == 0) printf "%s: ok: %d files, %d references between them, all downwards\n", me, files, ok
    exit bad > 0
  }'
