/* page.h — the page of `detect --web` and `--report`: its files (HTML, CSS, JavaScript
 * written in src/detect/webpage/, compiled into the program by cmake/embed.cmake, so
 * nothing is read from disk or fetched at run time), and the self-contained report: the
 * same page with its style, script and one snapshot (view.h) inlined.
 *
 * The page draws everything itself (SVG graph and timeline, tables) from the snapshot
 * JSON; it builds the DOM with textContent only, so text from the network (HTTP paths,
 * OS names) is never markup. Pure functions over constant data; any thread. */
#ifndef PR_DETECT_PAGE_H
#define PR_DETECT_PAGE_H

#include "core/error.h"

#include <stddef.h>
#include <stdio.h>

struct det_page_file {
    const char *name; /* "index.html", "app.css", "app.js" */
    const unsigned char *data;
    size_t len;
};

/* Generated: every file of the page, then an entry with a NULL name. */
extern const struct det_page_file det_page_files[];

/* The file called name, or NULL. */
const struct det_page_file *det_page_find(const char *name);
/* The content type of a page file ("text/html; charset=utf-8", ...). */
const char *det_page_type(const char *name);

/* The report: index.html with app.css and app.js inlined, a Content-Security-Policy that
 * allows no remote source, and snapshot (JSON) in a script element of type
 * application/json ('<' escaped, so no text in it can close the element). Returns the
 * text (caller frees) or NULL with e filled. */
char *det_page_report(const char *snapshot, struct pr_error *e);

/* --report FILE: opened before the privilege drop (NULL with e filled), written at the
 * end (0, or -1 with e filled; the file is closed either way). */
FILE *det_report_open(const char *path, struct pr_error *e);
int det_report_write(FILE *f, const char *path, const char *snapshot, struct pr_error *e);

#endif
