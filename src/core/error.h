/* error.h — the error type every module returns through.
 *
 * Functions that can fail take a `struct pr_error *` last and return a negative
 * value on failure after filling it with one line that names the input and the
 * position ("port spec '80-20': range is reversed at column 1"). Only startup code
 * prints it and exits. Callers may pass NULL when they do not want the text. */
#ifndef PR_CORE_ERROR_H
#define PR_CORE_ERROR_H

#include <stddef.h>

#define PR_ERR_MSG 512

struct pr_error {
    char msg[PR_ERR_MSG];
};

/* Formats into e->msg (when e is non-NULL) and returns -1. */
int pr_errf(struct pr_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Overflow-checked allocation: abort with a message on exhaustion or overflow. */
void *pr_calloc(size_t n, size_t size);
void *pr_reallocarray(void *p, size_t n, size_t size);
char *pr_strdup(const char *s);
/* Like pr_calloc, for a large array read in random order: from 2 MiB up it is mapped on
 * its own and offered for transparent huge pages (MADV_HUGEPAGE), so that random reads
 * miss the TLB less (the scan engine's pair records: ~4% faster first pass, measured;
 * with THP defrag "madvise", Debian's default, a first touch may wait for compaction).
 * Free with pr_free_big(p, n, size), the same n and size. */
void *pr_calloc_big(size_t n, size_t size);
void pr_free_big(void *p, size_t n, size_t size);

#endif
