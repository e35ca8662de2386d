/* The buffered reader of classic pcap files (detect/pcapmap.h) and det_capture over it, on
 * real files written here: every frame as written across buffer refills (a tiny buffer that
 * grows; a ring of buffers whose frames stay until the gate releases them, as --workers
 * reads), and a file truncated between two reads ends with a read error naming the file
 * and the frames read (never a signal). */
#include "detect/capture.h"
#include "detect/pcapmap.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* Frame i's length: mostly short, now and then long, once in a while the longest. */
static uint32_t frame_len(unsigned i)
{
    if (i % 997 == 500)
        return 262144u;
    return i % 50 == 7 ? 9000u + i % 4000u : 60u + (i * 37u) % 1400u;
}

static uint8_t frame_byte(unsigned i, uint32_t j)
{
    return (uint8_t)(i * 131u + j * 7u + (j >> 8));
}

static void put32(FILE *f, uint32_t v)
{
    assert_int_equal(fwrite(&v, 4, 1, f), 1);
}

/* Writes n raw-IP frames to a new temporary file (name in path); returns its size. */
static long write_pcap(char *path, unsigned n)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    put32(f, 0xa1b2c3d4u);
    put32(f, 2u | 4u << 16);
    put32(f, 0), put32(f, 0), put32(f, 262144u), put32(f, 101);
    static uint8_t buf[262144];
    for (unsigned i = 0; i < n; i++) {
        uint32_t len = frame_len(i);
        put32(f, 1000000u + i), put32(f, i % 1000000u), put32(f, len), put32(f, len);
        for (uint32_t j = 0; j < len; j++)
            buf[j] = frame_byte(i, j);
        assert_int_equal(fwrite(buf, 1, len, f), len);
    }
    long size = ftell(f);
    assert_int_equal(fclose(f), 0);
    return size;
}

static void check_frame(unsigned i, const uint8_t *fr, uint32_t len, uint64_t ts)
{
    assert_int_equal(len, frame_len(i));
    assert_int_equal(ts, (1000000u + i) * 1000000ull + i % 1000000u);
    for (uint32_t j = 0; j < len; j += 1 + j % 97)
        if (fr[j] != frame_byte(i, j))
            fail_msg("frame %u byte %u changed", i, j);
}

/* Frames a ring's reader holds (the oldest HOLD at most), as --workers' keyer does until
 * the workers took them: the gate releases those before its count, checking that they are
 * still as written. */
#define HOLD 64u
struct held {
    const uint8_t *fr[HOLD];
    uint32_t len[HOLD];
    uint64_t ts[HOLD];
    unsigned first, n, gates;
};

static void release(struct held *h, unsigned upto)
{
    for (; h->n && h->first < upto; h->first++, h->n--)
        check_frame(h->first, h->fr[h->first % HOLD], h->len[h->first % HOLD],
                    h->ts[h->first % HOLD]);
}

static void ring_gate(void *ctx, uint64_t frames)
{
    struct held *h = ctx;
    h->gates++;
    release(h, (unsigned)frames);
}

/* Reads all n frames with the given buffer (a ring of nring buffers: the frames held are
 * checked again while later ones are read). */
static void read_all(const char *path, unsigned n, size_t bufsize, unsigned nring)
{
    struct pcapmap pm;
    struct held h = {.first = 0};
    assert_int_equal(
        nring ? pcapmap_open_ring(&pm, open(path, O_RDONLY), bufsize, nring, ring_gate, &h)
              : pcapmap_open(&pm, open(path, O_RDONLY), bufsize),
        0);
    assert_int_equal(pm.linktype, 101);
    for (unsigned i = 0; i < n; i++) {
        if (h.n == HOLD) /* the oldest let go */
            release(&h, h.first + 1);
        unsigned s = (h.first + h.n) % HOLD;
        assert_int_equal(pcapmap_next(&pm, &h.fr[s], &h.len[s], &h.ts[s]), 1);
        h.n++;
        assert_int_equal(h.first + h.n - 1, i);
        check_frame(i, h.fr[s], h.len[s], h.ts[s]);
        if (nring && i % 16 == 0) /* every frame held is still there */
            for (unsigned k = 0; k < h.n; k++)
                check_frame(h.first + k, h.fr[(h.first + k) % HOLD], h.len[(h.first + k) % HOLD],
                            h.ts[(h.first + k) % HOLD]);
        if (!nring) /* (without a ring a frame lasts until the next call) */
            h.first++, h.n--;
    }
    const uint8_t *fr;
    uint32_t len;
    uint64_t ts;
    assert_int_equal(pcapmap_next(&pm, &fr, &len, &ts), 2);
    assert_int_equal(pm.frames, n);
    if (nring)
        assert_true(h.gates > 0); /* (the small rings go round several times) */
    size_t most = 2 * (size_t)PCAPMAP_REC_MAX;
    assert_true(pm.size <= (bufsize > most ? bufsize : most)); /* bounded */
    pcapmap_close(&pm);
}

static void test_refills(void **state)
{
    (void)state;
    char path[] = "/tmp/prpcapmapXXXXXX";
    unsigned n = 4000; /* about 4.6 MB: more than one usual buffer */
    assert_true(write_pcap(path, n) > (long)PCAPMAP_BUF);
    read_all(path, n, 20, 0);              /* a tiny buffer, grown for the long frames */
    read_all(path, n, 1000, 0);            /* refilled at every few frames */
    read_all(path, n, 1, 2);               /* the smallest ring: two of the longest records */
    read_all(path, n, 1, 3);               /* three buffers: frames held across two */
    read_all(path, n, (size_t)4 << 20, 8); /* as --workers reads */
    unlink(path);
}

/* A file cut to cut bytes after `before` frames were read by a reader of bufsize bytes:
 * a read error once the frames left in the buffer are read. */
static void truncated_after(long cut, unsigned before, size_t bufsize, unsigned nring)
{
    char path[] = "/tmp/prpcapmapXXXXXX";
    unsigned n = 4000; /* about 4.6 MB: more than one usual buffer */
    long write_size = write_pcap(path, n);
    struct pcapmap pm;
    assert_int_equal(nring
                         ? pcapmap_open_ring(&pm, open(path, O_RDONLY), bufsize, nring, NULL, NULL)
                         : pcapmap_open(&pm, open(path, O_RDONLY), bufsize),
                     0);
    const uint8_t *fr;
    uint32_t len;
    uint64_t ts;
    for (unsigned i = 0; i < before; i++) {
        assert_int_equal(pcapmap_next(&pm, &fr, &len, &ts), 1);
        check_frame(i, fr, len, ts);
    }
    assert_int_equal(truncate(path, cut), 0);
    int r;
    while ((r = pcapmap_next(&pm, &fr, &len, &ts)) == 1)
        check_frame((unsigned)pm.frames - 1, fr, len, ts);
    assert_int_equal(r, -1);
    assert_true(cut < write_size); /* (a cut, not a longer file) */
    assert_true(pm.frames < n);
    assert_int_equal(pcapmap_next(&pm, &fr, &len, &ts), -1); /* and again */
    char err[128];
    pcapmap_error(&pm, err, sizeof err);
    assert_non_null(strstr(err, "truncated dump file; tried to read "));
    pcapmap_close(&pm);
    unlink(path);
}

static void test_truncated_between_reads(void **state)
{
    (void)state;
    truncated_after(3000000, 10, 20, 0);           /* mid-file, small buffer */
    truncated_after(24 + 16 + 30, 3, 20, 0);       /* below what was read already */
    truncated_after(5000, 10, 1, 3);               /* a ring */
    truncated_after(4500000, 100, PCAPMAP_BUF, 3); /* past the first buffer of a ring */
}

/* det_capture over a file that shrinks: the single engine's reader (det_capture_open_file)
 * and the workers' keyer's (det_capture_ring) both end with an error that names the file
 * and the frames read. */
static void test_capture_truncated(void **state)
{
    (void)state;
    for (unsigned ring = 0; ring <= 1; ring++) {
        char path[] = "/tmp/prpcapmapXXXXXX";
        write_pcap(path, 4000);
        struct det_capture *c;
        struct pr_error e = {{0}};
        assert_int_equal(ring ? det_capture_ring(path, PCAPMAP_BUF, 3, NULL, NULL, &c, &e)
                              : det_capture_open_file(path, NULL, &c, &e),
                         ring);
        struct det_frame fr;
        assert_int_equal(det_capture_next_frame(c, &fr, &e), 1);
        assert_int_equal(truncate(path, 4200000), 0); /* (beyond the first buffer) */
        int r;
        unsigned long long n = 1;
        while ((r = det_capture_next_frame(c, &fr, &e)) == 1)
            n++;
        assert_int_equal(r, -1);
        char want[256];
        snprintf(want, sizeof want, "%s: read error after %llu frames: truncated dump file", path,
                 n);
        if (strncmp(e.msg, want, strlen(want)))
            fail_msg("got '%s', want '%s'", e.msg, want);
        det_capture_close(c);
        unlink(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refills),
        cmocka_unit_test(test_truncated_between_reads),
        cmocka_unit_test(test_capture_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
