/* churn.c - single-threaded small-object churn.
 *
 * Usage: churn [iterations] [slots] [seed]
 *
 * Keeps a working set of `slots` blocks (8..512 bytes, uniformly random
 * sizes).  Every iteration picks a random slot; an empty slot gets a new
 * block, a full one is verified and then either freed and replaced by a
 * new block (7 times out of 8) or realloc'ed to a new random size (1 in 8,
 * checking that realloc preserved the old contents).  Every block is
 * filled with a tag-derived pattern and fully verified before it is freed,
 * so an allocator that hands out overlapping or corrupted memory makes the
 * program exit with status 1.
 *
 * Models: the allocation pattern of a program that keeps a moderately
 * sized heap of small objects (strings, nodes, small structs) and churns
 * through it -- the fast path of malloc/free and the size-class free lists.
 */
#include "bench-common.h"

#include <inttypes.h>

#define MIN_SIZE 8
#define MAX_SIZE 512

struct slot {
    void *p;
    size_t size;
    uint64_t tag;
};

int main(int argc, char **argv)
{
    unsigned long iters = bench_arg(argc, argv, 1, 12000000UL, "iterations");
    unsigned long nslots = bench_arg(argc, argv, 2, 10000UL, "slots");
    unsigned long seed = bench_arg(argc, argv, 3, 42UL, "seed");

    struct slot *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        BENCH_FAIL("cannot allocate slot array");

    bench_rng rng;
    bench_rng_seed(&rng, seed);
    uint64_t checksum = 0;
    unsigned long nmalloc = 0, nfree = 0, nrealloc = 0;

    for (unsigned long i = 0; i < iters; i++) {
        uint64_t r = bench_rng_next(&rng);
        struct slot *s = &slots[(r >> 16) % nslots];
        size_t size = bench_rng_range(&rng, MIN_SIZE, MAX_SIZE);
        uint64_t tag = bench_rng_next(&rng);

        if (s->p != NULL) {
            if (bench_check(s->p, s->size, s->tag) != 0)
                BENCH_FAIL("churn: block %p (size %zu) corrupted at iteration %lu",
                           s->p, s->size, i);
            checksum += s->tag ^ s->size;
            if ((r & 7) == 0) {
                size_t keep = size < s->size ? size : s->size;
                void *q = bench_xrealloc(s->p, size);
                if (bench_check_prefix(q, s->size, keep, s->tag) != 0)
                    BENCH_FAIL("churn: realloc %zu -> %zu lost contents at iteration %lu",
                               s->size, size, i);
                s->p = q;
                nrealloc++;
            } else {
                free(s->p);
                nfree++;
                s->p = bench_xmalloc(size);
                nmalloc++;
            }
        } else {
            s->p = bench_xmalloc(size);
            nmalloc++;
        }
        s->size = size;
        s->tag = tag;
        bench_fill(s->p, size, tag);
    }

    for (unsigned long k = 0; k < nslots; k++) {
        struct slot *s = &slots[k];
        if (s->p == NULL)
            continue;
        if (bench_check(s->p, s->size, s->tag) != 0)
            BENCH_FAIL("churn: block %p (size %zu) corrupted at final check",
                       s->p, s->size);
        checksum += s->tag ^ s->size;
        free(s->p);
        nfree++;
    }
    free(slots);

    printf("churn: iterations=%lu slots=%lu malloc=%lu free=%lu realloc=%lu "
           "checksum=%016" PRIx64 "\n",
           iters, nslots, nmalloc, nfree, nrealloc, checksum);
    return 0;
}
