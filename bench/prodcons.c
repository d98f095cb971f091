/* prodcons.c - producer/consumer hand-off of heap blocks.
 *
 * Usage: prodcons [producers] [items-per-producer] [consumers] [queue-cap] [seed]
 *
 * Producer threads allocate blocks of 16..4096 bytes, fill them with a
 * pattern and pass them, in batches of BATCH pointers, through a bounded
 * mutex/condvar queue to consumer threads, which verify every block and
 * free it.  The batch descriptors themselves are malloc'ed by the producer
 * and freed by the consumer too.  Every free therefore happens on a
 * different thread than the matching malloc, in a steady stream: this is
 * the pipeline / message-passing pattern that stresses an allocator's
 * remote-free path (and, for allocators that lack one, its locking and
 * memory blow-up).  A corrupted block makes the program exit with status 1.
 */
#include "bench-common.h"

#include <inttypes.h>
#include <pthread.h>

#define MIN_SIZE 16
#define MAX_SIZE 4096
#define BATCH 64

/* Block layout: [0,8) tag, [8,16) size ^ splitmix64(tag), [16,size) the
 * bench_fill pattern for the tag.  The consumer recovers the size from the
 * header (so a damaged header shows up as an out-of-range size), verifies
 * the payload, and the sums of (tag ^ size) sent and received must match. */
struct batch {
    unsigned n;
    void *items[BATCH];
};

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    struct batch **ring;
    size_t cap, head, count;
    unsigned producers_left;
};

static struct queue g_q;
static unsigned long g_items;
static unsigned long g_seed;

static void queue_push(struct queue *q, struct batch *b)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->cap)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->ring[(q->head + q->count) % q->cap] = b;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

/* Returns NULL once the queue is drained and all producers finished. */
static struct batch *queue_pop(struct queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && q->producers_left > 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    struct batch *b = NULL;
    if (q->count > 0) {
        b = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

static void producer_done(struct queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->producers_left--;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

struct pstate {
    unsigned id;
    pthread_t tid;
    uint64_t checksum;       /* producer: what it sent; consumer: what it got */
    unsigned long count;
};

static void *producer(void *arg)
{
    struct pstate *ps = arg;
    bench_rng rng;
    bench_rng_seed(&rng, g_seed * 7919UL + ps->id);
    struct batch *b = NULL;

    for (unsigned long i = 0; i < g_items; i++) {
        if (b == NULL) {
            b = bench_xmalloc(sizeof *b);
            b->n = 0;
        }
        size_t size = bench_rng_range(&rng, MIN_SIZE, MAX_SIZE);
        uint64_t tag = bench_rng_next(&rng);
        unsigned char *p = bench_xmalloc(size);
        uint64_t szx = (uint64_t)size ^ bench_splitmix64(tag);
        memcpy(p, &tag, 8);
        memcpy(p + 8, &szx, 8);
        bench_fill(p + 16, size - 16, tag);
        ps->checksum += tag ^ size;
        ps->count++;
        b->items[b->n++] = p;
        if (b->n == BATCH) {
            queue_push(&g_q, b);
            b = NULL;
        }
    }
    if (b != NULL)
        queue_push(&g_q, b);
    producer_done(&g_q);
    return NULL;
}

static void *consumer(void *arg)
{
    struct pstate *cs = arg;
    struct batch *b;
    while ((b = queue_pop(&g_q)) != NULL) {
        for (unsigned k = 0; k < b->n; k++) {
            unsigned char *p = b->items[k];
            uint64_t tag, sz;
            memcpy(&tag, p, 8);
            memcpy(&sz, p + 8, 8);
            sz ^= bench_splitmix64(tag);
            if (sz < MIN_SIZE || sz > MAX_SIZE)
                BENCH_FAIL("prodcons: block %p has a damaged header", (void *)p);
            if (bench_check(p + 16, (size_t)sz - 16, tag) != 0)
                BENCH_FAIL("prodcons: block %p (size %" PRIu64 ") corrupted", (void *)p, sz);
            cs->checksum += tag ^ sz;
            cs->count++;
            free(p);
        }
        free(b);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long nprod = bench_arg(argc, argv, 1, 2UL, "producers");
    g_items = bench_arg(argc, argv, 2, 1500000UL, "items-per-producer");
    unsigned long ncons = bench_arg(argc, argv, 3, 2UL, "consumers");
    unsigned long cap = bench_arg(argc, argv, 4, 256UL, "queue-cap");
    g_seed = bench_arg(argc, argv, 5, 42UL, "seed");

    pthread_mutex_init(&g_q.lock, NULL);
    pthread_cond_init(&g_q.not_empty, NULL);
    pthread_cond_init(&g_q.not_full, NULL);
    g_q.cap = cap;
    g_q.ring = calloc(cap, sizeof *g_q.ring);
    g_q.producers_left = (unsigned)nprod;

    struct pstate *ps = calloc(nprod, sizeof *ps);
    struct pstate *cs = calloc(ncons, sizeof *cs);
    if (g_q.ring == NULL || ps == NULL || cs == NULL)
        BENCH_FAIL("prodcons: out of memory during setup");

    for (unsigned long i = 0; i < ncons; i++) {
        cs[i].id = (unsigned)i;
        if (pthread_create(&cs[i].tid, NULL, consumer, &cs[i]) != 0)
            BENCH_FAIL("prodcons: pthread_create failed");
    }
    for (unsigned long i = 0; i < nprod; i++) {
        ps[i].id = (unsigned)i;
        if (pthread_create(&ps[i].tid, NULL, producer, &ps[i]) != 0)
            BENCH_FAIL("prodcons: pthread_create failed");
    }

    uint64_t sent = 0, got = 0;
    unsigned long nsent = 0, ngot = 0;
    for (unsigned long i = 0; i < nprod; i++) {
        pthread_join(ps[i].tid, NULL);
        sent += ps[i].checksum;
        nsent += ps[i].count;
    }
    for (unsigned long i = 0; i < ncons; i++) {
        pthread_join(cs[i].tid, NULL);
        got += cs[i].checksum;
        ngot += cs[i].count;
    }
    if (sent != got || nsent != ngot)
        BENCH_FAIL("prodcons: sent %lu blocks (sum %016" PRIx64 ") but received %lu (sum %016" PRIx64 ")",
                   nsent, sent, ngot, got);

    free(ps);
    free(cs);
    free(g_q.ring);
    printf("prodcons: producers=%lu consumers=%lu items=%lu batch=%d checksum=%016" PRIx64 "\n",
           nprod, ncons, nsent, BATCH, got);
    return 0;
}
