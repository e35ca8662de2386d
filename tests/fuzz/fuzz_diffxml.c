/* fuzz_diffxml.c — libFuzzer target for the nmap XML reader of `portreeve diff`
 * (audit/snapshot.c snap_from_xml) and the diff over what it read (audit/diff.c).
 *
 * Input: one XML file, handed over as /proc/self/fd/N of a memfd (the reader takes a
 * path). A file that loads is diffed against an empty snapshot and against itself (no
 * change), and both diffs are printed and described. */
#include "audit/diff.h"
#include "audit/snapshot.h"

#include "memfile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_diff(FILE *out, const struct snapshot *a, const struct snapshot *b, int want_none)
{
    struct diff_change *ch = NULL;
    size_t n = 0;
    diff_snapshots(a, b, &ch, &n);
    if (want_none && n)
        abort();
    char line[512];
    for (size_t i = 0; i < n; i++)
        diff_describe(&ch[i], line, sizeof line);
    (void)diff_print(out, a, b, ch, n);
    free(ch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    struct snapshot s, empty;
    memset(&empty, 0, sizeof empty);
    struct pr_error e = {""};
    int rc = snap_from_xml(&s, path, &e);
    close(fd);
    if (rc < 0) {
        if (!memchr(e.msg, '\0', sizeof e.msg))
            abort();
        return 0;
    }
    check_diff(devnull, &empty, &s, 0);
    check_diff(devnull, &s, &empty, 0);
    check_diff(devnull, &s, &s, 1);
    snap_free(&s);
    return 0;
}
