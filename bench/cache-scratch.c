/* cache-scratch.c - allocator-induced false sharing (passive variant).
 *
 * Usage: cache-scratch [threads] [iterations] [writes] [object-size]
 *
 * The main thread allocates one small object (default 8 bytes) per thread,
 * back to back, so with most allocators they share a cache line.  Each
 * worker thread gets one of them and frees it immediately.  Then it
 * repeatedly allocates an object of the same size, writes to every byte of
 * it `writes` times, verifies it and frees it.  An allocator that hands the
 * freed object (or its cache-line neighbours) to the thread that freed it
 * makes different cores write to the same cache line over and over -- a
 * "passive false sharing" slowdown that gets worse with more cores.  An
 * allocator that keeps per-thread memory apart is unaffected.
 *
 * On a 2-core machine the effect is small; the workload mainly guards
 * against regressions that would make it large.  Corruption exits with 1.
 */
#include "bench-common.h"

#include <inttypes.h>
#include <pthread.h>

struct worker {
    pthread_t tid;
    unsigned id;
    unsigned char *initial;
    uint64_t checksum;
};

static unsigned long g_iters, g_writes, g_size;

static void *work(void *arg)
{
    struct worker *wk = arg;
    free(wk->initial);      /* the freed object may come back to us below */

    for (unsigned long i = 0; i < g_iters; i++) {
        volatile unsigned char *p = bench_xmalloc(g_size);
        unsigned char v = (unsigned char)(wk->id * 31u + i);
        for (unsigned long w = 0; w < g_writes; w++) {
            for (unsigned long k = 0; k < g_size; k++)
                p[k] = (unsigned char)(v + w + k);
        }
        unsigned char last = (unsigned char)(v + g_writes - 1);
        for (unsigned long k = 0; k < g_size; k++) {
            if (p[k] != (unsigned char)(last + k))
                BENCH_FAIL("cache-scratch: thread %u: object %p corrupted", wk->id, (void *)p);
            wk->checksum += p[k];
        }
        free((void *)p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long nthreads = bench_arg(argc, argv, 1, 2UL, "threads");
    g_iters = bench_arg(argc, argv, 2, 400000UL, "iterations");
    g_writes = bench_arg(argc, argv, 3, 1000UL, "writes");
    g_size = bench_arg(argc, argv, 4, 8UL, "object-size");

    struct worker *wk = calloc(nthreads, sizeof *wk);
    if (wk == NULL)
        BENCH_FAIL("cache-scratch: out of memory during setup");
    for (unsigned long t = 0; t < nthreads; t++) {
        wk[t].id = (unsigned)t;
        wk[t].initial = bench_xmalloc(g_size);
    }
    for (unsigned long t = 0; t < nthreads; t++)
        if (pthread_create(&wk[t].tid, NULL, work, &wk[t]) != 0)
            BENCH_FAIL("cache-scratch: pthread_create failed");
    uint64_t checksum = 0;
    for (unsigned long t = 0; t < nthreads; t++) {
        pthread_join(wk[t].tid, NULL);
        checksum += wk[t].checksum;
    }
    free(wk);
    printf("cache-scratch: threads=%lu iterations=%lu writes=%lu size=%lu checksum=%016" PRIx64 "\n",
           nthreads, g_iters, g_writes, g_size, checksum);
    return 0;
}
