/* larson.c - Larson-style server simulation.
 *
 * Usage: larson [threads] [rounds] [slots] [ops-per-round] [seed]
 *
 * The main thread allocates `threads` arrays of `slots` blocks each
 * (16..1024 bytes).  One worker thread is started per array ("chain").  A
 * worker performs `ops-per-round` operations on its array -- pick a random
 * slot, verify and free the block in it, allocate a new block of random
 * size and fill it -- then starts a *new* thread, hands it the whole array
 * and exits.  After `rounds` generations the last thread of each chain
 * reports back.  So:
 *   - most blocks are freed by a different thread than the one that
 *     allocated them (the first generation frees blocks from the main
 *     thread, every later one frees its predecessor's blocks);
 *   - threads are created and destroyed all the time, so per-thread caches
 *     or heaps are abandoned constantly and must be reclaimed/reused;
 *   - several chains run concurrently (by default 4 on a 2-core machine).
 * This models a server that hands connections (and their memory) between
 * short-lived worker threads.  Every block carries a pattern that is fully
 * verified before it is freed; corruption exits with status 1.
 */
#include "bench-common.h"

#include <inttypes.h>
#include <pthread.h>

#define MIN_SIZE 16
#define MAX_SIZE 1024

struct block {
    void *p;
    size_t size;
    uint64_t tag;
};

struct chain {
    unsigned id;
    unsigned long round;      /* generations completed so far */
    struct block *blocks;
    bench_rng rng;
    uint64_t checksum;
    unsigned long ops;
};

static unsigned long g_rounds, g_slots, g_ops;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static unsigned g_chains_done;
static pthread_attr_t g_attr;

static void *worker(void *arg);

static void start_worker(struct chain *c)
{
    pthread_t tid;
    int rc = pthread_create(&tid, &g_attr, worker, c);
    if (rc != 0)
        BENCH_FAIL("larson: pthread_create failed (%d)", rc);
}

static void *worker(void *arg)
{
    struct chain *c = arg;
    struct block *blocks = c->blocks;

    for (unsigned long i = 0; i < g_ops; i++) {
        uint64_t r = bench_rng_next(&c->rng);
        struct block *b = &blocks[(r >> 20) % g_slots];
        if (bench_check(b->p, b->size, b->tag) != 0)
            BENCH_FAIL("larson: chain %u round %lu: block %p (size %zu) corrupted",
                       c->id, c->round, b->p, b->size);
        c->checksum += b->tag ^ b->size;
        free(b->p);
        b->size = bench_rng_range(&c->rng, MIN_SIZE, MAX_SIZE);
        b->tag = bench_rng_next(&c->rng);
        b->p = bench_xmalloc(b->size);
        bench_fill(b->p, b->size, b->tag);
    }
    c->ops += g_ops;
    c->round++;

    if (c->round < g_rounds) {
        /* Hand the whole array to a fresh thread and die. */
        start_worker(c);
    } else {
        pthread_mutex_lock(&g_lock);
        g_chains_done++;
        pthread_cond_signal(&g_cond);
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long nthreads = bench_arg(argc, argv, 1, 4UL, "threads");
    g_rounds = bench_arg(argc, argv, 2, 400UL, "rounds");
    g_slots = bench_arg(argc, argv, 3, 1000UL, "slots");
    g_ops = bench_arg(argc, argv, 4, 10000UL, "ops-per-round");
    unsigned long seed = bench_arg(argc, argv, 5, 42UL, "seed");

    pthread_attr_init(&g_attr);
    pthread_attr_setdetachstate(&g_attr, PTHREAD_CREATE_DETACHED);

    struct chain *chains = calloc(nthreads, sizeof *chains);
    if (chains == NULL)
        BENCH_FAIL("larson: cannot allocate chain array");

    /* The main thread allocates every initial block, so even the first
     * generation of workers frees memory it did not allocate. */
    for (unsigned long t = 0; t < nthreads; t++) {
        struct chain *c = &chains[t];
        c->id = (unsigned)t;
        bench_rng_seed(&c->rng, seed * 1000003UL + t);
        c->blocks = calloc(g_slots, sizeof *c->blocks);
        if (c->blocks == NULL)
            BENCH_FAIL("larson: cannot allocate slot array");
        for (unsigned long k = 0; k < g_slots; k++) {
            struct block *b = &c->blocks[k];
            b->size = bench_rng_range(&c->rng, MIN_SIZE, MAX_SIZE);
            b->tag = bench_rng_next(&c->rng);
            b->p = bench_xmalloc(b->size);
            bench_fill(b->p, b->size, b->tag);
        }
    }

    for (unsigned long t = 0; t < nthreads; t++)
        start_worker(&chains[t]);

    pthread_mutex_lock(&g_lock);
    while (g_chains_done < nthreads)
        pthread_cond_wait(&g_cond, &g_lock);
    pthread_mutex_unlock(&g_lock);

    uint64_t checksum = 0;
    unsigned long total_ops = 0;
    for (unsigned long t = 0; t < nthreads; t++) {
        struct chain *c = &chains[t];
        for (unsigned long k = 0; k < g_slots; k++) {
            struct block *b = &c->blocks[k];
            if (bench_check(b->p, b->size, b->tag) != 0)
                BENCH_FAIL("larson: chain %u: block %p (size %zu) corrupted at final check",
                           c->id, b->p, b->size);
            c->checksum += b->tag ^ b->size;
            free(b->p);
        }
        free(c->blocks);
        checksum += c->checksum;
        total_ops += c->ops;
    }
    free(chains);
    pthread_attr_destroy(&g_attr);

    printf("larson: threads=%lu rounds=%lu slots=%lu ops=%lu threads-created=%lu "
           "checksum=%016" PRIx64 "\n",
           nthreads, g_rounds, g_slots, total_ops, nthreads * g_rounds, checksum);
    return 0;
}
