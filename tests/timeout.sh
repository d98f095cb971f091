#!/bin/sh
# timeout.sh - the LOG_COMPILER of every test: runs the test in a session of
# its own and, if it is still running after MIALLOC_TEST_TIMEOUT seconds
# (default 600; 0 means no limit), prints the stacks of all its processes
# (with gdb, when installed) and kills them.  A hang then fails one test with
# a clue, instead of stalling the whole suite until CI gives up.
limit=${MIALLOC_TEST_TIMEOUT:-600}
case $limit in
'' | *[!0-9]*)
  echo "timeout.sh: MIALLOC_TEST_TIMEOUT must be a number of seconds, not '$limit'" >&2
  exit 99
  ;;
esac
if [ "$limit" -eq 0 ] || ! command -v setsid >/dev/null 2>&1; then
  exec "$@"
fi

# A background job of a non-interactive shell leads no process group, so
# setsid(1) makes the session without forking: its id is $pid.
setsid "$@" &
pid=$!

# The processes of the test's session (the test alone if ps cannot tell).
session() {
  ps -o pid= -s "$pid" 2>/dev/null || echo "$pid"
}

watchdog() {
  waited=0
  while [ "$waited" -lt "$limit" ]; do
    sleep 1
    kill -0 "$pid" 2>/dev/null || exit 0
    waited=$((waited + 1))
  done
  echo "timeout.sh: '$*' still running after $limit s; stacks, then SIGKILL" >&2
  if command -v gdb >/dev/null 2>&1; then
    for p in $(session); do
      echo "---- process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
      gdb -p "$p" -batch -nx -ex 'thread apply all bt 25' </dev/null 2>&1 | grep -E '^(#|Thread)' >&2
    done
  fi
  kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid"
}
watchdog "$@" &
dog=$!
# The session gets no signal from the terminal: pass on an interrupt of make.
trap 'kill -s KILL -- "-$pid" 2>/dev/null; kill "$dog" 2>/dev/null; exit 130' INT TERM HUP

wait "$pid"
status=$?
kill "$dog" 2>/dev/null
exit "$status"
