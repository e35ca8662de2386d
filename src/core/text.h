/* text.h — small helpers shared by the readers of text files and fields (nmap's data
 * files, p0f.fp, LOG lines, probe strings, web requests): hex digits, and a whole file
 * read into memory with a size bound. */
#ifndef PR_CORE_TEXT_H
#define PR_CORE_TEXT_H

#include "core/error.h"

#include <stddef.h>

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
int pr_hexval(int c);

/* Reads the whole file at path into *buf (NUL-terminated, free() it) and its length into
 * *len. Returns 0, or -1 with e naming the path and the reason ("larger than N bytes" past
 * max) and *buf NULL. */
int pr_read_file(const char *path, size_t max, char **buf, size_t *len, struct pr_error *e);

#endif
