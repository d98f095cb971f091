#!/bin/sh
# limit.sh - run tests/limit with 16 MiB reserved and fresh mappings refused.
MIALLOC_RESERVE_OS_MEMORY=16M MIALLOC_LIMIT_OS_ALLOC=1 MIALLOC_PURGE_DELAY=0
export MIALLOC_RESERVE_OS_MEMORY MIALLOC_LIMIT_OS_ALLOC MIALLOC_PURGE_DELAY
exec ${MIALLOC_TARGET:-} "${top_builddir:-.}/tests/limit"
