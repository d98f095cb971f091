#!/bin/sh
# errors.sh - how mialloc reports the errors of a program (tests/errors):
# an invalid free is printed without MIALLOC_SHOW_ERRORS (it means memory
# corruption), a misuse only with it; the message names the function the
# program called (free, realloc, malloc_usable_size through the override;
# mi_free); MIALLOC_ABORT_ON_ERROR=1 prints, then aborts; past
# MIALLOC_MAX_ERRORS one line says so, and the count comes at exit.
me=errors.sh
top_builddir=${top_builddir:-.}
prog=$top_builddir/tests/errors
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh} # runs it, under an emulator if need be
unset MIALLOC_SHOW_ERRORS MIALLOC_VERBOSE MIALLOC_SHOW_STATS MIALLOC_ABORT_ON_ERROR MIALLOC_MAX_ERRORS 2>/dev/null || :
tmp=${TMPDIR:-/tmp}/mialloc-errors.$$
trap 'rm -f "$tmp".out "$tmp".err' EXIT
fails=0

fail() {
  echo "$me: FAIL: $*"
  sed 's/^/  stdout: /' "$tmp.out"
  sed 's/^/  stderr: /' "$tmp.err"
  fails=$((fails + 1))
}

# run scenario [VAR=value...]: status in $status
run() {
  scenario=$1
  shift
  env "$@" $target "$prog" "$scenario" >"$tmp.out" 2>"$tmp.err"
  status=$?
}

# has file pattern [count]
has() {
  [ "$(grep -c -e "$2" "$tmp.$1")" = "${3:-1}" ]
}

run none
[ "$status" = 0 ] && [ ! -s "$tmp.err" ] || fail "a clean run printed something or failed"

run mi-free
[ "$status" = 0 ] || fail "mi-free: status $status"
has err '^mialloc: error: mi_free(): invalid pointer 0x[0-9a-f]*: not allocated by mialloc$' || fail "mi-free: no message"
has out '^handler: EINVAL$' || fail "mi-free: the handler did not get EINVAL"
has err '^mialloc: 1 error detected$' || fail "mi-free: no count at exit"

run double-free
has err '^mialloc: error: mi_free(): double free of 0x[0-9a-f]*$' || fail "double-free: no message for the small block"
has err '^mialloc: error: mi_free(): pointer 0x[0-9a-f]*: its page is free (a double free)$' ||
  fail "double-free: no message for the huge block"
has out '^handler: EAGAIN$' 2 || fail "double-free: the handler did not get EAGAIN twice"

run alignment
[ "$status" = 0 ] && [ ! -s "$tmp.err" ] || fail "alignment: a misuse printed without MIALLOC_SHOW_ERRORS"
has out '^handler: EINVAL$' || fail "alignment: the handler did not get EINVAL"
run alignment MIALLOC_SHOW_ERRORS=1
has err 'error: alignment 24 is not a power of two' || fail "alignment: not printed with MIALLOC_SHOW_ERRORS"

run mi-free-5 MIALLOC_MAX_ERRORS=2
has err 'mi_free(): invalid pointer' 2 || fail "max_errors: not 2 messages"
has err '^mialloc: error: more errors are not shown (MIALLOC_MAX_ERRORS=2); the count comes at exit$' ||
  fail "max_errors: no line saying more are not shown"
has err '^mialloc: 5 errors detected, 3 more not shown (MIALLOC_MAX_ERRORS=2)$' || fail "max_errors: no count at exit"
has out '^handler: EINVAL$' 5 || fail "max_errors: the handler did not get all 5"

run mi-free MIALLOC_ABORT_ON_ERROR=1
[ "$status" -gt 128 ] && [ "$(kill -l "$status")" = ABRT ] || fail "abort_on_error: status $status, not SIGABRT"
has err 'mi_free(): invalid pointer' || fail "abort_on_error: no message before the abort"
has out '^handler: EINVAL$' || fail "abort_on_error: the handler was not called first"
has out '^returned$' 0 || fail "abort_on_error: the call returned"
run alignment MIALLOC_ABORT_ON_ERROR=1
[ "$status" -gt 128 ] && has err 'alignment 24 is not a power of two' || fail "abort_on_error: a misuse did not abort"

if [ "${MIALLOC_OVERRIDE:-1}" = 1 ]; then
  run libc-double-free
  has err '^mialloc: error: free(): double free of 0x[0-9a-f]*$' || fail "libc-double-free: no message naming free()"
  for s in free:libc-free realloc:libc-realloc malloc_usable_size:libc-usable-size; do
    run "${s#*:}"
    [ "$status" = 0 ] || fail "${s#*:}: status $status"
    has err "^mialloc: error: ${s%%:*}(): invalid pointer 0x[0-9a-f]*: not allocated by mialloc$" ||
      fail "${s#*:}: no message naming ${s%%:*}()"
  done
else
  echo "$me: no override: the libc names are not checked"
fi

[ "$fails" = 0 ] || exit 1
echo "$me: errors printed, named, counted and fatal as asked"
