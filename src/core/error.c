/* error.c — see error.h. */
#include "core/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int pr_errf(struct pr_error *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void oom(void)
{
    fputs("portreeve: out of memory\n", stderr);
    abort();
}

void *pr_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *pr_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom();
    size_t bytes = n * size;
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        oom();
    return q;
}

char *pr_strdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

#define HUGE_PAGE ((size_t)2 << 20)

/* The mapping's length for n x size bytes; 0: small enough for calloc. */
static size_t big_len(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom();
    size_t bytes = n * size;
    if (bytes < HUGE_PAGE)
        return 0;
    if (bytes > SIZE_MAX - HUGE_PAGE)
        oom();
    return (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

void *pr_calloc_big(size_t n, size_t size)
{
    size_t len = big_len(n, size);
    if (!len)
        return pr_calloc(n, size);
    /* one huge page more than needed, then cut to a 2 MiB boundary: kernels before 6.7
     * do not align large anonymous mappings, and an unaligned one gets no huge page */
    uint8_t *m =
        mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        oom();
    uint8_t *p = (uint8_t *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > m)
        munmap(m, (size_t)(p - m));
    if (p + len < m + len + HUGE_PAGE)
        munmap(p + len, (size_t)(m + len + HUGE_PAGE - (p + len)));
    (void)madvise(p, len, MADV_HUGEPAGE); /* a hint: without THP the pages stay small */
    return p;
}

void pr_free_big(void *p, size_t n, size_t size)
{
    size_t len = big_len(n, size);
    if (!len)
        free(p);
    else if (p)
        munmap(p, len);
}
