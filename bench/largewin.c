/* largewin.c - sliding window of large allocations.
 *
 * Usage: largewin [iterations] [window] [seed]
 *
 * Keeps a FIFO window of `window` live blocks (default 64) whose sizes are
 * roughly log-uniformly distributed between 64 KiB and 8 MiB.  Every
 * iteration allocates a new block and writes one word into every 4 KiB
 * page of it (so the memory is really faulted in), then verifies and frees
 * the oldest block.  One iteration in 8 additionally grows or shrinks a
 * random live block with realloc and checks that the surviving pages kept
 * their contents.
 *
 * Models: programs that juggle big buffers (I/O buffers, images, arrays,
 * decompression windows).  It stresses the large-object path: mmap/munmap
 * traffic, page-fault cost, how much freed memory is cached or returned to
 * the OS (peak RSS), and realloc of big blocks.  Corruption exits with 1.
 */
#include "bench-common.h"

#include <inttypes.h>

#define PAGE 4096
#define MIN_SHIFT 16      /* 64 KiB */
#define SHIFT_STEPS 7     /* bases 64K..4M, so sizes 64K .. 8M-1 */

struct blk {
    unsigned char *p;
    size_t size;
    uint64_t tag;
};

static size_t random_size(bench_rng *r)
{
    size_t base = (size_t)1 << (MIN_SHIFT + bench_rng_next(r) % SHIFT_STEPS);
    return base + (size_t)(bench_rng_next(r) % base);
}

static inline uint64_t page_word(uint64_t tag, size_t page)
{
    return tag ^ (page * UINT64_C(0x9E3779B97F4A7C15));
}

/* Write one word per page in [from, size), plus the trailer. */
static void touch(struct blk *b, size_t from)
{
    for (size_t off = (from + PAGE - 1) / PAGE * PAGE; off + 8 <= b->size; off += PAGE) {
        uint64_t w = page_word(b->tag, off / PAGE);
        memcpy(b->p + off, &w, 8);
    }
    uint64_t nt = ~b->tag;
    memcpy(b->p + b->size - 8, &nt, 8);
}

/* Verify the page words below `upto` (and the trailer if upto == size). */
static int verify(const struct blk *b, size_t upto)
{
    for (size_t off = 0; off + 8 <= upto && off + 8 <= b->size; off += PAGE) {
        uint64_t w;
        memcpy(&w, b->p + off, 8);
        if (w != page_word(b->tag, off / PAGE)) {
            /* The trailer may legitimately overwrite the last page word. */
            if (off + 8 > b->size - 8)
                continue;
            return -1;
        }
    }
    if (upto >= b->size) {
        uint64_t e;
        memcpy(&e, b->p + b->size - 8, 8);
        if (e != ~b->tag)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long iters = bench_arg(argc, argv, 1, 6000UL, "iterations");
    unsigned long window = bench_arg(argc, argv, 2, 64UL, "window");
    unsigned long seed = bench_arg(argc, argv, 3, 42UL, "seed");

    struct blk *win = calloc(window, sizeof *win);
    if (win == NULL)
        BENCH_FAIL("largewin: cannot allocate window");
    bench_rng rng;
    bench_rng_seed(&rng, seed);

    uint64_t checksum = 0;
    unsigned long nreallocs = 0;
    uint64_t bytes = 0;
    unsigned long head = 0;   /* index of the oldest block once full */

    for (unsigned long i = 0; i < iters + window; i++) {
        struct blk *slot = &win[head];
        /* Retire the oldest block. */
        if (slot->p != NULL) {
            if (verify(slot, slot->size) != 0)
                BENCH_FAIL("largewin: block %p (size %zu) corrupted at iteration %lu",
                           (void *)slot->p, slot->size, i);
            checksum += slot->tag ^ slot->size;
            free(slot->p);
            slot->p = NULL;
        }
        if (i >= iters)       /* drain phase: only free */
            goto next;

        slot->size = random_size(&rng);
        slot->tag = bench_rng_next(&rng);
        slot->p = bench_xmalloc(slot->size);
        touch(slot, 0);
        bytes += slot->size;

        if ((bench_rng_next(&rng) & 7) == 0) {
            struct blk *b = &win[bench_rng_next(&rng) % window];
            if (b->p != NULL) {
                size_t nsize = random_size(&rng);
                size_t keep = nsize < b->size ? nsize : b->size;
                /* The trailer is about to lose its meaning; verify fully. */
                if (verify(b, b->size) != 0)
                    BENCH_FAIL("largewin: block %p corrupted before realloc", (void *)b->p);
                b->p = bench_xrealloc(b->p, nsize);
                size_t old = b->size;
                b->size = nsize;
                /* Pages fully below min(old trailer, new size) must survive. */
                size_t safe = keep < old - 8 ? keep : old - 8;
                if (verify(b, safe / PAGE * PAGE) != 0)
                    BENCH_FAIL("largewin: realloc %zu -> %zu lost contents", old, nsize);
                touch(b, safe / PAGE * PAGE);
                bytes += nsize > old ? nsize - old : 0;
                nreallocs++;
            }
        }
    next:
        head = (head + 1) % window;
    }
    free(win);

    printf("largewin: iterations=%lu window=%lu reallocs=%lu MiB-allocated=%" PRIu64
           " checksum=%016" PRIx64 "\n",
           iters, window, nreallocs, bytes >> 20, checksum);
    return 0;
}
