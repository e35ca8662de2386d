/* page.c — see page.h. */
#include "detect/page.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The page's markers (index.html): replaced by the inlined files in the report. */
#define CSS_LINK "<link rel=\"stylesheet\" href=\"app.css\">"
#define JS_TAG "<script src=\"app.js\"></script>"
#define HEAD_END "</head>"
/* file:// has no 'self': inline style and script, nothing else, nothing remote */
#define REPORT_CSP                                                                                 \
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "                  \
    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri "              \
    "'none'; form-action 'none'\">\n"

const struct det_page_file *det_page_find(const char *name)
{
    for (const struct det_page_file *f = det_page_files; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

const char *det_page_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (dot && !strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    return "text/html; charset=utf-8";
}

/* A growing text (out of memory ends the program: pr_calloc's policy). */
struct text {
    char *s;
    size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *ns = pr_calloc(cap, 1);
        if (t->s)
            memcpy(ns, t->s, t->len);
        free(t->s);
        t->s = ns;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = 0;
}

static void puts_(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* The JSON with every '<' written as \u003c (it can only stand inside strings). */
static void put_json(struct text *t, const char *json)
{
    for (const char *p = json, *lt; *p; p = lt + 1) {
        lt = strchr(p, '<');
        if (!lt) {
            puts_(t, p);
            return;
        }
        put(t, p, (size_t)(lt - p));
        puts_(t, "\\u003c");
    }
}

char *det_page_report(const char *snapshot, struct pr_error *e)
{
    const struct det_page_file *html = det_page_find("index.html");
    const struct det_page_file *css = det_page_find("app.css");
    const struct det_page_file *js = det_page_find("app.js");
    if (!html || !css || !js) {
        pr_errf(e, "the page's files are missing from the program");
        return NULL;
    }
    const char *h = (const char *)html->data;
    const char *pcss = strstr(h, CSS_LINK), *pjs = strstr(h, JS_TAG), *phead = strstr(h, HEAD_END);
    if (!pcss || !pjs || !phead || pcss > phead || pjs < phead) {
        pr_errf(e, "index.html lacks its markers (stylesheet link in the head, script tag after)");
        return NULL;
    }
    struct text t = {0};
    put(&t, h, (size_t)(pcss - h));
    puts_(&t, REPORT_CSP);
    puts_(&t, "<style>\n");
    put(&t, (const char *)css->data, css->len);
    puts_(&t, "</style>");
    const char *p = pcss + strlen(CSS_LINK);
    put(&t, p, (size_t)(pjs - p));
    puts_(&t, "<script type=\"application/json\" id=\"snapshot\">");
    put_json(&t, snapshot);
    puts_(&t, "</script>\n<script>\n");
    put(&t, (const char *)js->data, js->len);
    puts_(&t, "</script>");
    puts_(&t, pjs + strlen(JS_TAG));
    return t.s;
}

FILE *det_report_open(const char *path, struct pr_error *e)
{
    FILE *f = fopen(path, "w");
    if (!f)
        pr_errf(e, "--report '%s': %s", path, strerror(errno));
    return f;
}

int det_report_write(FILE *f, const char *path, const char *snapshot, struct pr_error *e)
{
    char *html = det_page_report(snapshot, e);
    int made = html != NULL;
    int bad = !made || fputs(html, f) == EOF;
    int err = errno;
    free(html);
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad && made)
        pr_errf(e, "--report '%s': %s", path, strerror(err));
    return bad ? -1 : 0;
}
