/* rxq.c — see rxq.h. */
#include "net/rxq.h"

#include "core/clock.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define RXQ_READ_BATCH 256     /* packets read before the consumer is woken */
#define RXQ_IDLE_MS 100        /* longest sleep of the thread (it wakes on stop_fd too) */
#define RXQ_FULL_WAIT_NS 50000 /* a full queue: pause before looking again */

struct rxq {
    /* each index on its own cache line: one thread writes it, the other reads it */
    alignas(64) atomic_size_t head; /* next record the thread writes */
    alignas(64) atomic_size_t tail; /* next record the consumer reads */
    alignas(64) atomic_int waiting; /* the consumer sleeps in rxq_wait() */
    atomic_int stop;
    struct rawio *io;
    size_t rec_size, mask;
    uint8_t *recs;
    int wake_fd, stop_fd; /* eventfds */
    rxq_classify_fn fn;
    void *ud;
    struct rxq_stats st; /* the thread's; read after the join */
    pthread_t th;
};

static void wake(int fd)
{
    uint64_t one = 1;
    ssize_t n = write(fd, &one, sizeof one);
    (void)n; /* the counter can only saturate, and a reader wakes either way */
}

static int nonempty(struct rxq *q)
{
    return atomic_load(&q->head) != atomic_load_explicit(&q->tail, memory_order_relaxed);
}

/* Queues rec; waits while the queue is full. Returns 0, or -1 when stopped while it was
 * full (the record is lost: the consumer stopped taking them). */
static int push(struct rxq *q, const void *rec)
{
    size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    while (h - atomic_load_explicit(&q->tail, memory_order_acquire) > q->mask) {
        q->st.full_waits++;
        if (atomic_load(&q->waiting))
            wake(q->wake_fd);
        if (atomic_load_explicit(&q->stop, memory_order_relaxed))
            return -1;
        struct timespec ts = {0, RXQ_FULL_WAIT_NS};
        nanosleep(&ts, NULL);
    }
    memcpy(q->recs + (h & q->mask) * q->rec_size, rec, q->rec_size);
    atomic_store_explicit(&q->head, h + 1, memory_order_release);
    q->st.queued++;
    return 0;
}

static void *rx_main(void *arg)
{
    struct rxq *q = arg;
    uint8_t buf[RAWIO_PKT];
    alignas(8) uint8_t rec[RXQ_REC_MAX];
    while (!atomic_load_explicit(&q->stop, memory_order_relaxed)) {
        int got = 0, queued = 0;
        for (; got < RXQ_READ_BATCH; got++) {
            size_t wire = 0;
            ssize_t n = rawio_recv(q->io, buf, sizeof buf, &wire);
            if (n <= 0)
                break;
            q->st.packets++;
            q->st.bytes += wire;
            if (q->fn(q->ud, buf, (size_t)n, now_us(), rec)) {
                if (push(q, rec) < 0)
                    return NULL;
                queued = 1;
            }
        }
        /* the head was published before this reads `waiting` (rxq_wait does the mirror
         * image), so a consumer going to sleep either sees the record or gets woken */
        atomic_thread_fence(memory_order_seq_cst);
        if (queued && atomic_load(&q->waiting))
            wake(q->wake_fd);
        if (got < RXQ_READ_BATCH) { /* the socket had nothing more */
            struct pollfd p[2] = {{.fd = q->io->recv, .events = POLLIN},
                                  {.fd = q->stop_fd, .events = POLLIN}};
            (void)poll(p, 2, RXQ_IDLE_MS);
        }
    }
    return NULL;
}

struct rxq *rxq_start(struct rawio *io, size_t rec_size, size_t cap, rxq_classify_fn fn, void *ud,
                      struct pr_error *e)
{
    if (!rec_size || rec_size > RXQ_REC_MAX || !cap || (cap & (cap - 1))) {
        pr_errf(e, "receive queue: bad record size %zu or capacity %zu", rec_size, cap);
        return NULL;
    }
    struct rxq *q = aligned_alloc(64, (sizeof *q + 63) / 64 * 64);
    if (!q) {
        pr_errf(e, "receive queue: out of memory");
        return NULL;
    }
    memset(q, 0, sizeof *q);
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->waiting, 0);
    atomic_init(&q->stop, 0);
    q->io = io;
    q->rec_size = rec_size;
    q->mask = cap - 1;
    q->fn = fn;
    q->ud = ud;
    q->recs = pr_calloc(cap, rec_size);
    q->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (q->wake_fd < 0 || q->stop_fd < 0) {
        pr_errf(e, "receive queue: eventfd: %s", strerror(errno));
        goto fail;
    }
    /* asynchronous signals (Ctrl-C, SIGTERM, ...) stay with the thread that sends and
     * handles them */
    sigset_t async, old;
    sigemptyset(&async);
    static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1,
                               SIGUSR2, SIGPIPE, SIGALRM, SIGCHLD, SIGWINCH};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&async, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &async, &old);
    int rc = pthread_create(&q->th, NULL, rx_main, q);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        pr_errf(e, "receive queue: cannot start the receive thread: %s", strerror(rc));
        goto fail;
    }
    pthread_setname_np(q->th, "portreeve-rx");
    return q;
fail:
    if (q->wake_fd >= 0)
        close(q->wake_fd);
    if (q->stop_fd >= 0)
        close(q->stop_fd);
    free(q->recs);
    free(q);
    return NULL;
}

int rxq_pop(struct rxq *q, void *rec)
{
    size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (t == atomic_load_explicit(&q->head, memory_order_acquire))
        return 0;
    memcpy(rec, q->recs + (t & q->mask) * q->rec_size, q->rec_size);
    atomic_store_explicit(&q->tail, t + 1, memory_order_release);
    return 1;
}

int rxq_wait(struct rxq *q, uint64_t timeout_us)
{
    if (nonempty(q))
        return 1;
    atomic_store(&q->waiting, 1);
    if (!nonempty(q)) {
        struct pollfd p = {.fd = q->wake_fd, .events = POLLIN};
        (void)poll(&p, 1, (int)((timeout_us + 999) / 1000));
        uint64_t v;
        ssize_t n = read(q->wake_fd, &v, sizeof v); /* reset; EAGAIN when nothing came */
        (void)n; /* a wake written after this read is left for the next rxq_wait, which
                  * then returns at once: callers loop, so that costs one spin */
    }
    atomic_store(&q->waiting, 0);
    return nonempty(q);
}

void rxq_stop(struct rxq *q, struct rxq_stats *st)
{
    if (!q)
        return;
    if (!atomic_load(&q->stop)) {
        atomic_store(&q->stop, 1);
        wake(q->stop_fd);
        pthread_join(q->th, NULL);
    }
    if (st)
        *st = q->st;
}

void rxq_free(struct rxq *q)
{
    if (!q)
        return;
    rxq_stop(q, NULL);
    close(q->wake_fd);
    close(q->stop_fd);
    free(q->recs);
    free(q);
}
