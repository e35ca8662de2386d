/* progress.c — see progress.h. */
#include "scan/progress.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

void progress_add(struct scan_progress *p, const struct progress_item *it)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->items = pr_reallocarray(p->items, p->cap, sizeof *p->items);
    }
    p->items[p->n++] = *it;
}

void progress_free(struct scan_progress *p)
{
    free(p->items);
    free(p->up);
    memset(p, 0, sizeof *p);
}
