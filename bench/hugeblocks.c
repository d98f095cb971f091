/* hugeblocks.c - huge blocks used up to their usable size, and grown.
 *
 * Usage: hugeblocks [iterations] [window] [seed]
 *
 * Keeps `window` live blocks (default 8) of 1 to 32 MiB.  Every iteration
 * picks one and either replaces it with a new block, of which the program
 * uses all that malloc_usable_size grants (one word written per 4 KiB
 * page, as a buffer that fills its capacity would), or grows it with
 * realloc in 16 steps of 64 KiB to 1 MiB (a growing buffer), checking
 * after each step that the pages written so far kept their contents.
 *
 * Models: programs that take an allocator's usable size at its word
 * (string and buffer libraries do), and buffers that grow by appending:
 * the cost of a usable size far above the request (memory), and of a
 * realloc that copies a huge block instead of remapping it (time).
 * Corruption exits with 1.
 */
#include "bench-common.h"

#include <inttypes.h>
#include <malloc.h>

#define PAGE 4096
#define MiB ((size_t)1 << 20)

struct blk {
    unsigned char *p;
    size_t size;   /* requested */
    size_t used;   /* written: up to the usable size */
    uint64_t tag;
};

static inline uint64_t page_word(uint64_t tag, size_t page)
{
    return tag ^ (page * UINT64_C(0x9E3779B97F4A7C15));
}

static void write_pages(struct blk *b, size_t from, size_t to)
{
    for (size_t off = from; off + 8 <= to; off += PAGE) {
        uint64_t w = page_word(b->tag, off / PAGE);
        memcpy(b->p + off, &w, 8);
    }
}

static void check_pages(const struct blk *b, size_t to, const char *when)
{
    for (size_t off = 0; off + 8 <= to; off += PAGE) {
        uint64_t w;
        memcpy(&w, b->p + off, 8);
        if (w != page_word(b->tag, off / PAGE))
            BENCH_FAIL("hugeblocks: page %zu of a %zu-byte block lost its contents %s", off / PAGE, b->size,
                       when);
    }
}

int main(int argc, char **argv)
{
    unsigned long iters = bench_arg(argc, argv, 1, 400UL, "iterations");
    unsigned long window = bench_arg(argc, argv, 2, 8UL, "window");
    unsigned long seed = bench_arg(argc, argv, 3, 42UL, "seed");
    struct blk *w = calloc(window, sizeof *w);
    if (w == NULL)
        BENCH_FAIL("cannot allocate the window");
    bench_rng rng;
    bench_rng_seed(&rng, seed);
    uint64_t checksum = 0;
    unsigned long nmalloc = 0, nrealloc = 0;

    for (unsigned long i = 0; i < iters; i++) {
        struct blk *b = &w[bench_rng_next(&rng) % window];
        if (b->p != NULL && (bench_rng_next(&rng) & 1)) {
            /* grow in steps, as an appending buffer does */
            for (int step = 0; step < 16; step++) {
                size_t grown = b->size + bench_rng_range(&rng, 64 * 1024, MiB);
                unsigned char *q = bench_xrealloc(b->p, grown);
                b->p = q;
                /* realloc keeps what was written up to the new size; the
                 * rest of the new usable size is written afresh */
                size_t keep = b->used < grown ? b->used : grown;
                check_pages(b, keep, "after realloc");
                size_t usable = malloc_usable_size(q);
                write_pages(b, keep - keep % PAGE, usable);
                b->size = grown;
                b->used = usable;
                nrealloc++;
                checksum += grown;
            }
        } else {
            if (b->p != NULL) {
                check_pages(b, b->used, "before free");
                free(b->p);
            }
            b->size = bench_rng_range(&rng, MiB, 32 * MiB);
            b->tag = bench_rng_next(&rng);
            b->p = bench_xmalloc(b->size);
            b->used = malloc_usable_size(b->p);
            write_pages(b, 0, b->used);
            nmalloc++;
            checksum += b->size ^ b->tag;
        }
    }
    for (unsigned long k = 0; k < window; k++) {
        if (w[k].p == NULL)
            continue;
        check_pages(&w[k], w[k].used, "at the end");
        free(w[k].p);
    }
    free(w);
    printf("hugeblocks: iterations=%lu window=%lu malloc=%lu realloc=%lu checksum=%016" PRIx64 "\n", iters, window,
           nmalloc, nrealloc, checksum);
    return 0;
}
