#!/bin/sh
# preload.sh - run real programs with libmialloc preloaded as their malloc,
# and compare their output with a run on the system allocator.
#
# Environment:
#   MIALLOC_LIB       the shared library to preload (required)
#   MIALLOC_OVERRIDE  if 0, the library does not replace malloc: skip
#   MIALLOC_TARGET    runs a program of the library's host (tests/target.sh)
# Programs tried, each if installed: python3, perl, sort, gcc, git.  When
# the build machine's programs cannot load the library (it is built for
# another machine, run under an emulator, or for another C library, musl),
# the benchmark programs of the build tree are preloaded instead.
# Exit status: 0 pass, 1 fail, 77 skip (as automake's test driver expects).

LC_ALL=C
export LC_ALL
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_SHOW_ERRORS 2>/dev/null || :

me=preload.sh

skip() {
  echo "$me: SKIP: $*"
  exit 77
}

if test -z "${MIALLOC_LIB:-}" || test ! -f "$MIALLOC_LIB"; then
  skip "MIALLOC_LIB ('${MIALLOC_LIB:-}') is not a file"
fi
if test "${MIALLOC_OVERRIDE:-}" = 0; then
  skip "the library is built without the malloc override (MIALLOC_OVERRIDE=0)"
fi
case $MIALLOC_LIB in
  /*) lib=$MIALLOC_LIB ;;
  *) lib=$(pwd)/$MIALLOC_LIB ;;
esac

have() {
  command -v "$1" >/dev/null 2>&1
}
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh}
bench=${top_builddir:-.}/bench

# Can the build machine's programs load the library?  If not, the build
# tree's own programs (the same compiler and C library) are preloaded.
own=
if ! why=$($target -l "$lib"); then
  own="the build machine's programs cannot load $lib: $why"
fi

found=
if test -n "$own"; then
  echo "$me: $own; preloading the build tree's benchmark programs instead"
  for prog in churn larson prodcons cache-scratch; do
    test -x "$bench/$prog" || skip "$bench/$prog is not built (make check builds it)"
  done
  found=" churn larson prodcons cache-scratch"
else
  for prog in python3 perl sort gcc git; do
    if have "$prog"; then
      found="$found $prog"
    fi
  done
fi
test -n "$found" || skip "none of python3, perl, sort, gcc, git is installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-preload.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 99' HUP INT TERM

failures=0
passes=0

fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}

# The preloaded library must actually be loaded: the dynamic linker only warns
# when it cannot be.
loaded_check() {
  if test -r /proc/self/maps && have cat; then
    if LD_PRELOAD=$lib cat /proc/self/maps >"$tmp/maps" 2>"$tmp/maps.err"; then
      if ! grep -F "$lib" "$tmp/maps" >/dev/null 2>&1 &&
        ! grep -F "$(basename "$lib")" "$tmp/maps" >/dev/null 2>&1; then
        echo "$me: $lib is not mapped into a preloaded process:"
        cat "$tmp/maps.err"
        exit 1
      fi
    else
      echo "$me: a preloaded cat failed:"
      cat "$tmp/maps.err"
      exit 1
    fi
  fi
}

# run NAME CMD...: runs CMD (in the current directory) once on the system
# allocator and once with mialloc preloaded; both must succeed, print the
# same on stdout and not complain about the preload.
run() {
  name=$1
  shift
  if ! $target "$@" >"$tmp/$name.ref" 2>"$tmp/$name.ref.err"; then
    echo "$me: $name: the reference run (without mialloc) failed, not comparing:"
    sed 's/^/  /' "$tmp/$name.ref.err" | head -20
    return 0
  fi
  if ! $target -p "$lib" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    fail "$name: exit status $? with mialloc preloaded"
    sed 's/^/  /' "$tmp/$name.err" | head -20
    return 0
  fi
  if grep -i 'preload' "$tmp/$name.err" >/dev/null 2>&1; then
    fail "$name: the dynamic linker did not preload $lib"
    sed 's/^/  /' "$tmp/$name.err" | head -20
    return 0
  fi
  if ! cmp -s "$tmp/$name.ref" "$tmp/$name.out"; then
    fail "$name: output differs with mialloc preloaded"
    diff "$tmp/$name.ref" "$tmp/$name.out" 2>/dev/null | head -20
    return 0
  fi
  if test ! -s "$tmp/$name.ref"; then
    fail "$name: the workload printed nothing"
    return 0
  fi
  echo "$me: $name: ok"
  passes=$((passes + 1))
}

if test -n "$own"; then
  # small runs of the workloads of tests/bench-smoke.sh; each checks its
  # blocks and prints a checksum
  run churn "$bench/churn" 100000
  run larson "$bench/larson" 4 10 1000 2000
  run prodcons "$bench/prodcons" 2 10000 2 64
  run cache-scratch "$bench/cache-scratch" 2 2000 100
  stats_prog=churn
  set -- "$bench/churn" 1000
else
  loaded_check
fi

# ---- python3: a dict and a list of 200k strings -----------------------------
if test -z "$own" && have python3; then
  cat >"$tmp/work.py" <<'EOF'
import hashlib
d = {}
l = []
for i in range(200000):
    s = "k%d-%s" % (i, "x" * (i % 37))
    d[s] = i * 7
    l.append(s[::-1])
for i in range(0, 200000, 3):
    del d["k%d-%s" % (i, "x" * (i % 37))]
l.sort()
h = hashlib.sha256()
for k in sorted(d):
    h.update(("%s=%d;" % (k, d[k])).encode())
h.update("|".join(l).encode())
print(len(d), len(l), h.hexdigest())
EOF
  run python3 python3 "$tmp/work.py"
fi

# ---- perl: a hash and an array of 200k strings ------------------------------
if test -z "$own" && have perl; then
  cat >"$tmp/work.pl" <<'EOF'
use strict;
use warnings;
my %h;
my @a;
for my $i (0 .. 199999) {
    my $s = "k$i-" . ("x" x ($i % 37));
    $h{$s} = $i * 7;
    push @a, scalar reverse $s;
}
for (my $i = 0; $i < 200000; $i += 3) {
    delete $h{"k$i-" . ("x" x ($i % 37))};
}
@a = sort @a;
my $all = join(";", map { "$_=$h{$_}" } sort keys %h) . "|" . join("|", @a);
printf "%d %d %d %u\n", scalar(keys %h), scalar(@a), length($all), unpack("%32C*", $all);
EOF
  run perl perl "$tmp/work.pl"
fi

# ---- sort: 100k generated lines ---------------------------------------------
if test -z "$own" && have sort; then
  i=0
  # a deterministic pseudo-random file, made by the shell only if awk is missing
  if have awk; then
    awk 'BEGIN { x = 12345; for (i = 0; i < 100000; i++) {
           x = (x * 1103515245 + 12345) % 2147483648;
           printf "%d line %d %s\n", x % 1000003, i, substr("abcdefghijklmnopqrstuvwxyz", 1 + x % 26) } }' \
      >"$tmp/lines.txt"
  else
    while test $i -lt 100000; do
      echo "$(((i * 7919) % 100003)) line $i"
      i=$((i + 1))
    done >"$tmp/lines.txt"
  fi
  run sort sort "$tmp/lines.txt"
  run sort-n sort -n -k1,1 -k3,3 "$tmp/lines.txt"
fi

# ---- gcc: compile a C file to assembly -------------------------------------
if test -z "$own" && have gcc; then
  cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *left, *right; int key; char name[24]; };
static struct node *insert(struct node *t, int key) {
  if (t == NULL) {
    t = calloc(1, sizeof *t);
    if (t == NULL) abort();
    t->key = key;
    snprintf(t->name, sizeof t->name, "node-%d", key);
    return t;
  }
  if (key < t->key) t->left = insert(t->left, key);
  else t->right = insert(t->right, key);
  return t;
}
static long sum(const struct node *t) {
  return t == NULL ? 0 : t->key + (long)strlen(t->name) + sum(t->left) + sum(t->right);
}
int main(int argc, char **argv) {
  struct node *t = NULL;
  for (int i = 0; i < 1000 + argc; i++) t = insert(t, (i * 7919) % 1009);
  printf("%ld %s\n", sum(t), argv[0]);
  return 0;
}
EOF
  run gcc-O0 gcc -S -O0 -o - "$tmp/prog.c"
  run gcc-O2 gcc -S -O2 -Wall -o - "$tmp/prog.c"
fi

# ---- git: a repository with a few commits -----------------------------------
if test -z "$own" && have git; then
  # Both runs build the same repository in the same place, in a private,
  # fixed environment, so commits and hashes come out identical.
  cat >"$tmp/git-work.sh" <<'EOF'
repo=$1
home=$2
rm -rf "$repo" "$home" && mkdir -p "$repo" "$home" || exit 1
HOME=$home
XDG_CONFIG_HOME=$home
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME=Test
GIT_AUTHOR_EMAIL=test@example.org
GIT_COMMITTER_NAME=Test
GIT_COMMITTER_EMAIL=test@example.org
export HOME XDG_CONFIG_HOME GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
export GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG_GLOBAL 2>/dev/null
cd "$repo" || exit 1
set -e
git init -q .
git symbolic-ref HEAD refs/heads/main
n=1
while test $n -le 5; do
  GIT_AUTHOR_DATE="2024-01-0$n 12:00:00 +0000"
  GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
  export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
  j=0
  while test $j -lt 20; do
    k=0
    : >"file$j.txt"
    while test $k -lt $((n * 10 + j)); do
      echo "commit $n file $j line $k" >>"file$j.txt"
      k=$((k + 1))
    done
    j=$((j + 1))
  done
  mkdir -p "dir$n"
  echo "new in $n" >"dir$n/readme"
  test $n -lt 3 || git rm -q "dir$((n - 2))/readme"
  git add -A .
  git commit -q -m "commit number $n"
  n=$((n + 1))
done
git log --stat --format='%H %an <%ae> %ad %s' --date=iso
git diff --stat HEAD~4 HEAD
git gc -q
git fsck --full --strict 2>&1
git count-objects -v | grep -e '^count' -e '^in-pack' -e '^packs'
git rev-parse HEAD 'HEAD^{tree}'
EOF
  run git sh -c 'sh "$1" "$2/git-repo" "$2/git-home" >"$2/git.raw" && sed "s|$2|TMP|g" "$2/git.raw"' \
    sh "$tmp/git-work.sh" "$tmp"
fi

# ---- statistics on stderr ---------------------------------------------------
# (not sort first: coreutils close stderr at exit, before statistics printed
# at process exit could be written)
for p in perl python3 git gcc sort; do
  if test -z "$own" && have "$p"; then
    stats_prog=$p
    break
  fi
done
case ${own:+own}$stats_prog in
  sort) set -- sort "$tmp/lines.txt" ;;
  python3) set -- python3 -c 'print(sum(len(str(i)) for i in range(10000)))' ;;
  perl) set -- perl -e 'my @a = map { "x$_" } 1..10000; print scalar(@a), "\n"' ;;
  gcc) set -- gcc --version ;;
  git) set -- git --version ;;
esac
if MIALLOC_SHOW_STATS=1 $target -p "$lib" "$@" >/dev/null 2>"$tmp/stats.err"; then
  if grep -i elapsed "$tmp/stats.err" >/dev/null 2>&1; then
    echo "$me: statistics with MIALLOC_SHOW_STATS=1 ($stats_prog): ok"
    passes=$((passes + 1))
  else
    fail "MIALLOC_SHOW_STATS=1 $stats_prog printed no statistics on stderr"
    sed 's/^/  /' "$tmp/stats.err" | head -20
  fi
else
  fail "MIALLOC_SHOW_STATS=1 $stats_prog failed"
  sed 's/^/  /' "$tmp/stats.err" | head -20
fi

echo "$me: $passes passed, $failures failed (programs:$found)"
test "$failures" -eq 0
