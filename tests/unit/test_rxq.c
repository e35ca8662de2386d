/* The receive thread (net/rxq.h) over a real rawio on lo (net/rawio.h, its RX ring and a
 * BPF filter): every datagram arrives once and in order through a queue far smaller than
 * the burst (the thread waits on a full queue); a sleeping consumer is woken by a
 * datagram and not before; a stop while the thread waits on a full queue returns and
 * leaves what was queued to be taken; bad sizes are refused. Needs CAP_NET_RAW: skipped without it.
 * Traffic: UDP to 127.0.0.1 only. */
#include "core/clock.h"
#include "net/rawio.h"
#include "net/rxq.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define MAGIC 0x70727871u /* "prxq": our datagrams, not another test's */

struct rec {
    uint32_t seq;
    uint32_t len;
};

struct lab {
    struct rawio io;
    int tx;           /* UDP socket that sends to 127.0.0.1:port */
    uint16_t port;    /* a port nothing listens on: the kernel drops the datagrams */
    atomic_uint kept; /* datagrams classify() kept (it runs on the receive thread) */
};

/* Keeps our UDP datagrams (IPv4 header, UDP header, MAGIC, seq). */
static int classify(void *ud, const uint8_t *pkt, size_t len, uint64_t now, void *out)
{
    struct lab *L = ud;
    (void)now;
    if (len < 20 + 8 + 8 || pkt[9] != IPPROTO_UDP)
        return 0;
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    if (len < ihl + 16)
        return 0;
    const uint8_t *u = pkt + ihl;
    uint32_t magic, seq;
    memcpy(&magic, u + 8, 4);
    memcpy(&seq, u + 12, 4);
    if (((uint16_t)(u[2] << 8 | u[3])) != L->port || magic != MAGIC)
        return 0;
    struct rec r = {.seq = seq, .len = (uint32_t)len};
    memcpy(out, &r, sizeof r);
    atomic_fetch_add(&L->kept, 1);
    return 1;
}

static void send_seq(const struct lab *L, uint32_t seq)
{
    uint32_t m[2] = {MAGIC, seq};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(L->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(sendto(L->tx, m, sizeof m, 0, (struct sockaddr *)&a, sizeof a), sizeof m);
}

static int setup(void **state)
{
    static struct lab L;
    if (!rawio_privileged()) {
        *state = NULL;
        return 0;
    }
    struct pr_error e = {0};
    if (rawio_open(&L.io, 1, "lo", &e) < 0) {
        fprintf(stderr, "rawio_open: %s\n", e.msg);
        return -1;
    }
    /* a port of our own: bind a socket, note its port, close it */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &sl) < 0)
        return -1;
    close(s);
    L.port = ntohs(a.sin_port);
    char f[96];
    snprintf(f, sizeof f, "udp and dst port %u", (unsigned)L.port);
    if (rawio_filter(&L.io, f, &e) < 0) {
        fprintf(stderr, "rawio_filter: %s\n", e.msg);
        return -1;
    }
    L.tx = socket(AF_INET, SOCK_DGRAM, 0);
    *state = &L;
    return L.tx < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    struct lab *L = *state;
    if (L) {
        close(L->tx);
        rawio_close(&L->io);
    }
    return 0;
}

#define NEED_LAB(L)                                                                                \
    do {                                                                                           \
        if (!(L))                                                                                  \
            skip();                                                                                \
    } while (0)

static void test_burst_in_order(void **state)
{
    struct lab *L = *state;
    NEED_LAB(L);
    struct pr_error e = {0};
    /* 8 records for 3000 datagrams: the thread waits on a full queue again and again */
    struct rxq *q = rxq_start(&L->io, sizeof(struct rec), 8, classify, L, &e);
    assert_non_null(q);
    const uint32_t n = 3000; /* fewer than the RX ring's frames: none may be dropped */
    for (uint32_t i = 0; i < n; i++)
        send_seq(L, i);
    uint32_t next = 0;
    uint64_t t0 = now_us();
    while (next < n && now_us() - t0 < 10000000) {
        struct rec r;
        if (!rxq_pop(q, &r)) {
            rxq_wait(q, 100000);
            continue;
        }
        assert_int_equal(r.seq, next); /* once each, in order */
        assert_int_equal(r.len, 20 + 8 + 8);
        next++;
    }
    assert_int_equal(next, n);
    struct rxq_stats st;
    rxq_stop(q, &st);
    rxq_free(q);
    assert_true(st.queued == n);
    assert_true(st.packets >= n);
    assert_true(st.full_waits > 0);
}

struct later {
    const struct lab *L;
    unsigned delay_ms;
};

static void *send_later(void *arg)
{
    const struct later *w = arg;
    struct timespec ts = {0, (long)w->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    send_seq(w->L, 7);
    return NULL;
}

static void test_wait_wakes(void **state)
{
    struct lab *L = *state;
    NEED_LAB(L);
    struct pr_error e = {0};
    struct rxq *q = rxq_start(&L->io, sizeof(struct rec), 64, classify, L, &e);
    assert_non_null(q);
    /* nothing sent: the wait times out */
    uint64_t t0 = now_us();
    assert_int_equal(rxq_wait(q, 150000), 0);
    assert_true(now_us() - t0 >= 140000);
    /* a datagram 100 ms into a 5 s wait ends the wait long before its end */
    struct later w = {L, 100};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, send_later, &w), 0);
    t0 = now_us();
    int rc = rxq_wait(q, 5000000);
    uint64_t took = now_us() - t0;
    pthread_join(th, NULL);
    assert_true(rc > 0);
    assert_true(took >= 90000 && took < 2000000);
    struct rec r;
    assert_int_equal(rxq_pop(q, &r), 1);
    assert_int_equal(r.seq, 7);
    assert_int_equal(rxq_pop(q, &r), 0);
    rxq_free(q); /* stops the thread too */
}

static void test_stop_when_full(void **state)
{
    struct lab *L = *state;
    NEED_LAB(L);
    struct pr_error e = {0};
    struct rxq *q = rxq_start(&L->io, sizeof(struct rec), 2, classify, L, &e);
    assert_non_null(q);
    atomic_store(&L->kept, 0);
    for (uint32_t i = 0; i < 50; i++)
        send_seq(L, i);
    /* the thread fills the queue (2) and then waits with the third: wait for that (up to
     * 5 s on a loaded machine), and a little longer for it to start waiting */
    struct timespec ts = {0, 10000000L};
    for (int i = 0; i < 500 && atomic_load(&L->kept) < 3; i++)
        nanosleep(&ts, NULL);
    ts.tv_nsec = 50000000L;
    nanosleep(&ts, NULL);
    uint64_t t0 = now_us();
    struct rxq_stats st;
    rxq_stop(q, &st); /* nothing popped: returns anyway */
    assert_true(now_us() - t0 < 1000000);
    assert_int_equal(st.queued, 2);
    assert_true(st.full_waits > 0);
    /* what was queued before the stop can still be taken, in order */
    struct rec r;
    assert_int_equal(rxq_pop(q, &r), 1);
    assert_int_equal(r.seq, 0);
    assert_int_equal(rxq_pop(q, &r), 1);
    assert_int_equal(r.seq, 1);
    assert_int_equal(rxq_pop(q, &r), 0);
    rxq_stop(q, NULL); /* twice is fine */
    rxq_free(q);
    /* what the thread left unread is still in the ring for the next reader */
    uint8_t buf[RAWIO_PKT];
    int left = 0;
    while (rawio_recv(&L->io, buf, sizeof buf, NULL) > 0)
        left++;
    assert_true(left >= 40);
}

static void test_bad_sizes(void **state)
{
    struct lab *L = *state;
    NEED_LAB(L);
    struct pr_error e = {0};
    assert_null(rxq_start(&L->io, sizeof(struct rec), 12, classify, L, &e));
    assert_non_null(strstr(e.msg, "capacity 12"));
    assert_null(rxq_start(&L->io, RXQ_REC_MAX + 1, 16, classify, L, &e));
    assert_non_null(strstr(e.msg, "record size"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_in_order),
        cmocka_unit_test(test_wait_wakes),
        cmocka_unit_test(test_stop_when_full),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
