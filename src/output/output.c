/* output.c — the streaming API of output.h (out_begin, out_host, out_end) over each
 * format's three parts (struct out_format in out_util.h), and the whole-result functions
 * as begin, every host, end.
 *
 * Here, not in the formats: which hosts are listed (out_host_listed), flushing after the
 * header and the footer (and on out_flush), and turning stream errors into -1 that sticks. */
#include "output/output.h"

#include "output/out_util.h"

#include <errno.h>
#include <string.h>

static const struct out_format *format_of(char fmt)
{
    static const struct out_format *const all[] = {&out_format_normal, &out_format_xml,
                                                   &out_format_grepable, &out_format_json};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]->code == fmt)
            return all[i];
    return NULL;
}

/* After a part that returned rc: flushes s->f when asked; any failure marks s failed. */
static int settle(struct out_stream *s, int rc, int flush)
{
    if (s->err)
        return -1;
    int why = errno; /* a failed write of the part left its reason here */
    if (rc == 0 && !ferror(s->f) && flush) {
        errno = 0;
        if (fflush(s->f) != 0)
            rc = -1;
        why = errno;
    }
    if (rc != 0 || ferror(s->f)) {
        s->err = 1;
        s->errnum = why ? why : EIO;
    }
    return s->err ? -1 : 0;
}

int out_begin(struct out_stream *s, char fmt, FILE *f, const struct scan_result *r,
              const struct out_opts *o)
{
    memset(s, 0, sizeof *s);
    s->fmt = fmt;
    s->f = f;
    s->opts = *o;
    const struct out_format *fm = format_of(fmt);
    if (!fm || !f) {
        s->err = 1;
        return -1;
    }
    return settle(s, fm->begin(f, r, &s->opts), 1);
}

int out_host(struct out_stream *s, const struct scan_result *r, const struct host_result *h)
{
    if (s->err)
        return -1;
    if (!out_host_listed(r, h, &s->opts))
        return 0;
    return settle(s, format_of(s->fmt)->host(s->f, r, h, &s->opts), 0);
}

int out_end(struct out_stream *s, const struct scan_result *r)
{
    if (s->err)
        return -1;
    return settle(s, format_of(s->fmt)->end(s->f, r, &s->opts), 1);
}

int out_flush(struct out_stream *s)
{
    return s->err ? -1 : settle(s, 0, 1);
}

static int whole(char fmt, FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    struct out_stream s;
    out_begin(&s, fmt, f, r, o);
    for (size_t i = 0; i < r->nhosts && !s.err; i++)
        out_host(&s, r, &r->hosts[i]);
    return out_end(&s, r);
}

int out_normal(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    return whole('N', f, r, o);
}

int out_xml(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    return whole('X', f, r, o);
}

int out_grepable(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    return whole('G', f, r, o);
}

int out_json(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    return whole('J', f, r, o);
}
