/* threadchurn.c - short-lived threads that leave blocks behind.
 *
 * Usage: threadchurn [rounds] [threads] [blocks] [seed]
 *
 * Every round starts `threads` threads at once (default 8).  Each builds
 * a working set of `blocks` small and medium blocks (16 bytes to 16 KiB,
 * default 2000), verifies and frees all but a few, leaves those few in a
 * shared table of survivors (replacing older survivors, which it verifies
 * and frees: the blocks of threads that exited before it) and exits.
 * After the last round the table is verified and emptied.
 *
 * Models: thread-per-request servers and thread pools that grow and
 * shrink: an allocator must reuse the memory of exited threads, and give
 * back what their survivors do not need (peak RSS), without an explicit
 * collect.  Corruption exits with 1.
 */
#include "bench-common.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>

#define SURVIVORS 4      /* per thread */
#define TABLE 1024

struct block {
    void *p;
    size_t size;
    uint64_t tag;
};

static struct block table[TABLE];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nblocks;
static _Atomic uint64_t checksum;

struct job {
    uint64_t seed;
};

static size_t random_size(bench_rng *r)
{
    /* mostly small, some medium: 16 B .. 16 KiB, log-uniform */
    size_t base = (size_t)16 << (bench_rng_next(r) % 10);
    return base + (size_t)(bench_rng_next(r) % base);
}

static void *worker(void *arg)
{
    struct job *job = arg;
    bench_rng rng;
    bench_rng_seed(&rng, job->seed);
    struct block *set = bench_xmalloc(nblocks * sizeof *set);
    uint64_t sum = 0;
    for (unsigned long i = 0; i < nblocks; i++) {
        set[i].size = random_size(&rng);
        set[i].tag = bench_rng_next(&rng);
        set[i].p = bench_xmalloc(set[i].size);
        bench_fill(set[i].p, set[i].size, set[i].tag);
    }
    for (unsigned long i = 0; i < nblocks; i++) {
        struct block *b = &set[i];
        if (bench_check(b->p, b->size, b->tag) != 0)
            BENCH_FAIL("threadchurn: block %p (size %zu) corrupted", b->p, b->size);
        sum += b->tag ^ b->size;
        if (i < SURVIVORS) {
            size_t slot = (size_t)(bench_rng_next(&rng) % TABLE);
            pthread_mutex_lock(&table_lock);
            struct block old = table[slot];
            table[slot] = *b;
            pthread_mutex_unlock(&table_lock);
            if (old.p != NULL) {
                if (bench_check(old.p, old.size, old.tag) != 0)
                    BENCH_FAIL("threadchurn: survivor %p (size %zu) corrupted", old.p, old.size);
                free(old.p);
            }
        } else {
            free(b->p);
        }
    }
    free(set);
    atomic_fetch_add(&checksum, sum);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long rounds = bench_arg(argc, argv, 1, 300UL, "rounds");
    unsigned long nthreads = bench_arg(argc, argv, 2, 8UL, "threads");
    nblocks = bench_arg(argc, argv, 3, 2000UL, "blocks");
    unsigned long seed = bench_arg(argc, argv, 4, 42UL, "seed");
    if (nblocks < SURVIVORS)
        nblocks = SURVIVORS;

    pthread_t *threads = bench_xmalloc(nthreads * sizeof *threads);
    struct job *jobs = bench_xmalloc(nthreads * sizeof *jobs);
    for (unsigned long r = 0; r < rounds; r++) {
        for (unsigned long t = 0; t < nthreads; t++) {
            jobs[t].seed = bench_splitmix64(seed ^ (r * 1000003UL + t));
            if (pthread_create(&threads[t], NULL, worker, &jobs[t]) != 0)
                BENCH_FAIL("threadchurn: cannot start a thread");
        }
        for (unsigned long t = 0; t < nthreads; t++)
            pthread_join(threads[t], NULL);
    }
    /* which survivor holds a slot depends on thread timing, how many slots
     * are held does not: every slot a thread chose holds one */
    unsigned long survivors = 0;
    for (size_t i = 0; i < TABLE; i++) {
        struct block *b = &table[i];
        if (b->p == NULL)
            continue;
        if (bench_check(b->p, b->size, b->tag) != 0)
            BENCH_FAIL("threadchurn: survivor %p (size %zu) corrupted at the end", b->p, b->size);
        free(b->p);
        survivors++;
    }
    free(jobs);
    free(threads);
    printf("threadchurn: rounds=%lu threads=%lu blocks=%lu survivors=%lu checksum=%016" PRIx64 "\n", rounds,
           nthreads, nblocks, survivors, (uint64_t)atomic_load(&checksum));
    return 0;
}
