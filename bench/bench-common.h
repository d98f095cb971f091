/* bench-common.h - small helpers shared by the mialloc benchmark programs.
 *
 * The benchmarks deliberately use nothing but malloc/free/realloc from the
 * C library so that any allocator can be swapped in with LD_PRELOAD.  This
 * header only provides a deterministic random number generator, argument
 * parsing and a cheap-but-thorough block fill/verify scheme.
 */
#ifndef MIALLOC_BENCH_COMMON_H
#define MIALLOC_BENCH_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers: splitmix64 (seeding) + xorshift64* (stream) ------- */

static inline uint64_t bench_splitmix64(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

typedef struct { uint64_t s; } bench_rng;

static inline void bench_rng_seed(bench_rng *r, uint64_t seed)
{
    r->s = bench_splitmix64(seed);
    if (r->s == 0)
        r->s = UINT64_C(0x2545F4914F6CDD1D);
}

static inline uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Uniform value in [lo, hi] (inclusive); the tiny modulo bias is harmless. */
static inline size_t bench_rng_range(bench_rng *r, size_t lo, size_t hi)
{
    return lo + (size_t)((bench_rng_next(r) >> 11) % (uint64_t)(hi - lo + 1));
}

/* ---- failure reporting ------------------------------------------------- */

#define BENCH_FAIL(...)                                                    \
    do {                                                                   \
        fprintf(stderr, "FAIL: " __VA_ARGS__);                             \
        fputc('\n', stderr);                                               \
        exit(1);                                                           \
    } while (0)

static inline void *bench_xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        BENCH_FAIL("malloc(%zu) returned NULL", n);
    return p;
}

static inline void *bench_xrealloc(void *q, size_t n)
{
    void *p = realloc(q, n);
    if (p == NULL)
        BENCH_FAIL("realloc(%p, %zu) returned NULL", q, n);
    return p;
}

/* Parse optional positional argument argv[idx] as a positive integer. */
static inline unsigned long bench_arg(int argc, char **argv, int idx,
                                      unsigned long def, const char *what)
{
    if (idx >= argc)
        return def;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(argv[idx], &end, 0);
    if (errno != 0 || end == argv[idx] || *end != '\0' || v == 0) {
        fprintf(stderr, "%s: bad %s '%s' (want a positive integer)\n",
                argv[0], what, argv[idx]);
        exit(2);
    }
    return v;
}

/* ---- block pattern ------------------------------------------------------
 *
 * A block of n bytes (n >= 1) written with tag t looks like:
 *   bytes [0, 8)       : t            (if n >= 8)
 *   bytes [8, n - 8)   : the byte (t ^ (t >> 8)) & 0xff repeated
 *   bytes [n - 8, n)   : ~t           (if n >= 16)
 * Smaller blocks are filled entirely with the fill byte.  bench_check()
 * verifies every byte, so a block that overlaps another live block, was
 * handed out twice, or was not preserved by realloc is detected.
 */

static inline unsigned char bench_fill_byte(uint64_t t)
{
    return (unsigned char)((t ^ (t >> 8) ^ (t >> 29)) & 0xff);
}

static inline void bench_fill(void *p, size_t n, uint64_t t)
{
    unsigned char *b = p;
    unsigned char fb = bench_fill_byte(t);
    if (n < 8) {
        memset(b, fb, n);
        return;
    }
    memcpy(b, &t, 8);
    if (n < 16) {
        memset(b + 8, fb, n - 8);
        return;
    }
    memset(b + 8, fb, n - 16);
    uint64_t nt = ~t;
    memcpy(b + n - 8, &nt, 8);
}

/* OR of (b[i] ^ fb) over [lo, hi), word at a time; 0 means all match. */
static inline uint64_t bench_diff_bytes(const unsigned char *b, size_t lo,
                                        size_t hi, unsigned char fb)
{
    uint64_t fw = UINT64_C(0x0101010101010101) * fb;
    uint64_t bad = 0;
    size_t i = lo;
    for (; i + 32 <= hi; i += 32) {
        uint64_t w0, w1, w2, w3;
        memcpy(&w0, b + i, 8);
        memcpy(&w1, b + i + 8, 8);
        memcpy(&w2, b + i + 16, 8);
        memcpy(&w3, b + i + 24, 8);
        bad |= (w0 ^ fw) | (w1 ^ fw) | (w2 ^ fw) | (w3 ^ fw);
    }
    for (; i + 8 <= hi; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        bad |= w ^ fw;
    }
    for (; i < hi; i++)
        bad |= (uint64_t)(b[i] ^ fb);
    return bad;
}

/* Returns 0 when the n-byte block holds the pattern for tag t. */
static inline int bench_check(const void *p, size_t n, uint64_t t)
{
    const unsigned char *b = p;
    unsigned char fb = bench_fill_byte(t);
    size_t lo = 0, hi = n;
    if (n >= 8) {
        uint64_t h;
        memcpy(&h, b, 8);
        if (h != t)
            return -1;
        lo = 8;
    }
    if (n >= 16) {
        uint64_t e;
        memcpy(&e, b + n - 8, 8);
        if (e != ~t)
            return -1;
        hi = n - 8;
    }
    return bench_diff_bytes(b, lo, hi, fb) ? -1 : 0;
}

/* Verify the first 'keep' bytes (keep <= orig) of a block originally
 * written with size 'orig' and tag t, e.g. after realloc moved it. */
static inline int bench_check_prefix(const void *p, size_t orig, size_t keep,
                                     uint64_t t)
{
    const unsigned char *b = p;
    unsigned char fb = bench_fill_byte(t);
    size_t hs = orig >= 8 ? 8 : 0;          /* end of header      */
    size_t me = orig >= 16 ? orig - 8 : orig; /* start of trailer */
    if (keep > orig)
        keep = orig;
    if (hs && memcmp(b, &t, keep < 8 ? keep : 8) != 0)
        return -1;
    if (bench_diff_bytes(b, hs, keep < me ? keep : me, fb) != 0)
        return -1;
    if (keep > me && orig >= 16) {
        uint64_t nt = ~t;
        if (memcmp(b + me, &nt, keep - me) != 0)
            return -1;
    }
    return 0;
}

#endif /* MIALLOC_BENCH_COMMON_H */
