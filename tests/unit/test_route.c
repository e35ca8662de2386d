/* rtnetlink route answers: parsed into source, next hop and interface; errors, acks and
 * other sequence numbers handled; truncated or lying lengths rejected, never read past.
 * Route and rule dumps (net/fibcells.h): prefixes of every kind make cells of the right
 * extent; multipath, limits, kernel errors and malformed messages are reported. */
#include "net/fibcells.h"
#include "net/route.h"

#include <linux/fib_rules.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Appends one attribute to the message at m (whose nlmsg_len grows). */
static void put_attr(uint8_t *m, unsigned short type, const void *val, size_t len)
{
    struct nlmsghdr *nh = (struct nlmsghdr *)m;
    struct rtattr ra = {.rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type};
    memcpy(m + nh->nlmsg_len, &ra, sizeof ra);
    memcpy(m + nh->nlmsg_len + sizeof ra, val, len);
    nh->nlmsg_len += RTA_ALIGN(ra.rta_len);
}

/* Writes an RTM_NEWROUTE answer for IPv4 at m; returns its length. */
static size_t new_route(uint8_t *m, uint32_t seq, const char *src, const char *gw, uint32_t oif)
{
    struct nlmsghdr nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                          .nlmsg_type = RTM_NEWROUTE,
                          .nlmsg_seq = seq};
    struct rtmsg rt = {.rtm_family = AF_INET, .rtm_dst_len = 32};
    memcpy(m, &nh, sizeof nh);
    memcpy(m + NLMSG_HDRLEN, &rt, sizeof rt);
    struct pr_addr a;
    if (src) {
        assert_int_equal(addr_parse(src, &a), 0);
        put_attr(m, RTA_PREFSRC, a.a, 4);
    }
    if (gw) {
        assert_int_equal(addr_parse(gw, &a), 0);
        put_attr(m, RTA_GATEWAY, a.a, 4);
    }
    put_attr(m, RTA_OIF, &oif, 4);
    return ((struct nlmsghdr *)m)->nlmsg_len;
}

static size_t error_msg(uint8_t *m, uint32_t seq, int err)
{
    struct nlmsghdr nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr)),
                          .nlmsg_type = NLMSG_ERROR,
                          .nlmsg_seq = seq};
    struct nlmsgerr ne = {.error = err};
    memcpy(m, &nh, sizeof nh);
    memcpy(m + NLMSG_HDRLEN, &ne, sizeof ne);
    return nh.nlmsg_len;
}

static void test_answers(void **state)
{
    (void)state;
    struct pr_addr dst[3];
    assert_int_equal(addr_parse("198.18.0.2", &dst[0]), 0);
    assert_int_equal(addr_parse("198.19.0.7", &dst[1]), 0);
    assert_int_equal(addr_parse("192.0.2.1", &dst[2]), 0);
    uint8_t buf[1024] = {0};
    size_t len = 0;
    len += new_route(buf + len, 1001, "198.18.0.1", NULL, 4);         /* connected */
    len += new_route(buf + len, 1002, "198.18.0.1", "198.18.0.2", 4); /* via a gateway */
    len += error_msg(buf + len, 1003, -ENETUNREACH);
    len += error_msg(buf + len, 2000, -EINVAL); /* not ours: ignored */
    struct route_answer out[3];
    memset(out, 0xff, sizeof out);
    uint8_t answered[3] = {0};
    assert_int_equal(route_parse(buf, len, 1000, dst, 3, out, answered), 3);
    char a[PR_ADDRSTRLEN];
    assert_int_equal(out[0].err, 0);
    assert_int_equal(out[0].oif, 4);
    assert_string_equal(addr_str(&out[0].src, a, sizeof a), "198.18.0.1");
    assert_string_equal(addr_str(&out[0].nexthop, a, sizeof a), "198.18.0.2");
    assert_string_equal(addr_str(&out[1].nexthop, a, sizeof a), "198.18.0.2");
    assert_int_equal(out[2].err, ENETUNREACH);
    /* the same answers again count nothing new */
    assert_int_equal(route_parse(buf, len, 1000, dst, 3, out, answered), 0);
}

static void test_no_source_is_an_error(void **state)
{
    (void)state;
    struct pr_addr dst;
    assert_int_equal(addr_parse("198.18.0.2", &dst), 0);
    uint8_t buf[256] = {0};
    size_t len = new_route(buf, 1, NULL, NULL, 4);
    struct route_answer out;
    uint8_t answered = 0;
    assert_int_equal(route_parse(buf, len, 0, &dst, 1, &out, &answered), 1);
    assert_int_equal(out.err, EADDRNOTAVAIL);
}

static void test_malformed(void **state)
{
    (void)state;
    struct pr_addr dst;
    assert_int_equal(addr_parse("198.18.0.2", &dst), 0);
    uint8_t good[256] = {0};
    size_t len = new_route(good, 1, "198.18.0.1", NULL, 4);
    struct route_answer out;
    /* every truncation is either rejected or parsed without reading past the end */
    for (size_t cut = 1; cut < len; cut++) {
        uint8_t *b = malloc(cut);
        assert_non_null(b);
        memcpy(b, good, cut);
        uint8_t answered = 0;
        assert_int_equal(route_parse(b, cut, 0, &dst, 1, &out, &answered), -1);
        free(b);
    }
    /* an attribute claiming more than the message holds */
    uint8_t bad[256];
    memcpy(bad, good, sizeof bad);
    struct rtattr *ra = (struct rtattr *)(bad + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtmsg)));
    ra->rta_len = 200;
    uint8_t answered = 0;
    assert_int_equal(route_parse(bad, len, 0, &dst, 1, &out, &answered), -1);
    /* a message length below the header */
    memcpy(bad, good, sizeof bad);
    ((struct nlmsghdr *)bad)->nlmsg_len = 4;
    assert_int_equal(route_parse(bad, len, 0, &dst, 1, &out, &answered), -1);
}

/* Writes one dump message at m: a route (rtmsg) or a rule (fib_rule_hdr) for the prefix
 * dst/len (no destination attribute when dst is NULL), with an empty attribute of type
 * `extra` when it is not 0. Returns its length. */
static size_t dump_msg(uint8_t *m, uint32_t seq, int rule, int family, const char *dst,
                       unsigned len, unsigned short extra)
{
    size_t hlen = rule ? sizeof(struct fib_rule_hdr) : sizeof(struct rtmsg);
    struct nlmsghdr nh = {.nlmsg_len = (uint32_t)NLMSG_LENGTH(hlen),
                          .nlmsg_type = rule ? RTM_NEWRULE : RTM_NEWROUTE,
                          .nlmsg_flags = NLM_F_MULTI,
                          .nlmsg_seq = seq};
    memcpy(m, &nh, sizeof nh);
    memset(m + NLMSG_HDRLEN, 0, hlen);
    m[NLMSG_HDRLEN] = (uint8_t)family; /* both headers: family, then dst_len */
    m[NLMSG_HDRLEN + 1] = (uint8_t)len;
    if (dst) {
        struct pr_addr a;
        assert_int_equal(addr_parse(dst, &a), 0);
        put_attr(m, 1 /* RTA_DST, FRA_DST */, a.a, a.family == AF_INET6 ? 16 : 4);
    }
    if (extra)
        put_attr(m, extra, "\0\0\0\0", 4);
    return ((struct nlmsghdr *)m)->nlmsg_len;
}

static size_t done_msg(uint8_t *m, uint32_t seq)
{
    struct nlmsghdr nh = {.nlmsg_len = NLMSG_LENGTH(4), .nlmsg_type = NLMSG_DONE, .nlmsg_seq = seq};
    memcpy(m, &nh, sizeof nh);
    memset(m + NLMSG_HDRLEN, 0, 4);
    return nh.nlmsg_len;
}

static uint32_t cell(const struct fib_cells *fc, const char *addr)
{
    struct pr_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    return fibcells_cell(fc, &a);
}

static void test_cells(void **state)
{
    (void)state;
    uint8_t buf[2048] = {0};
    size_t len = 0;
    len += dump_msg(buf + len, 7, 0, AF_INET, "198.18.0.0", 16, 0);
    len += dump_msg(buf + len, 7, 0, AF_INET, "198.18.4.0", 24, 0);
    len += dump_msg(buf + len, 7, 0, AF_INET, "198.18.5.7", 32, 0);
    len += dump_msg(buf + len, 7, 0, AF_INET6, "2001:db8::", 32, 0); /* not IPv4: skipped */
    len += dump_msg(buf + len, 8, 0, AF_INET, "198.18.6.0", 24, 0);  /* another dump's */
    len += dump_msg(buf + len, 7, 1, AF_INET, "198.18.9.0", 24, 0);  /* a rule's `to` */
    struct fib_cells fc = {.limit = 100};
    struct pr_error e;
    assert_int_equal(fibcells_parse(&fc, buf, len, 7, &e), 0); /* no end yet */
    assert_int_equal(fc.n, 4);
    assert_int_equal(cell(&fc, "10.0.0.1"), 0); /* no prefix holds it */
    assert_int_equal(cell(&fc, "198.18.4.1"), cell(&fc, "198.18.4.200"));
    assert_int_not_equal(cell(&fc, "198.18.4.1"), cell(&fc, "198.18.3.1"));
    assert_int_equal(cell(&fc, "198.18.3.1"), cell(&fc, "198.18.255.255"));
    assert_int_equal(cell(&fc, "198.18.3.1"), cell(&fc, "198.18.5.8"));
    assert_int_equal(cell(&fc, "198.18.3.1"), cell(&fc, "198.18.6.1"));
    assert_int_not_equal(cell(&fc, "198.18.5.7"), cell(&fc, "198.18.5.8"));
    assert_int_not_equal(cell(&fc, "198.18.9.1"), cell(&fc, "198.18.3.1"));
    assert_true(cell(&fc, "198.18.5.7") < fibcells_ncells(&fc));
    /* a default route (no RTA_DST) takes in everything else; then the dump ends */
    len = dump_msg(buf, 7, 0, AF_INET, NULL, 0, 0);
    len += done_msg(buf + len, 7);
    assert_int_equal(fibcells_parse(&fc, buf, len, 7, &e), 1);
    assert_int_not_equal(cell(&fc, "10.0.0.1"), 0);
    assert_int_equal(cell(&fc, "10.0.0.1"), cell(&fc, "203.0.113.9"));
    assert_int_not_equal(cell(&fc, "10.0.0.1"), cell(&fc, "198.18.3.1"));
    assert_int_equal(fc.multipath, 0);
    /* the same prefix again (another table's) adds nothing; a multipath route is seen */
    len = dump_msg(buf, 7, 0, AF_INET, "198.18.4.0", 24, RTA_MULTIPATH);
    assert_int_equal(fibcells_parse(&fc, buf, len, 7, &e), 0);
    assert_int_equal(fc.n, 5);
    assert_int_equal(fc.multipath, 1);
    fibcells_free(&fc);
}

static void test_cells_limits_and_errors(void **state)
{
    (void)state;
    uint8_t buf[1024] = {0};
    struct pr_error e;
    /* more prefixes than the limit */
    struct fib_cells fc = {.limit = 2};
    size_t len = 0;
    for (int i = 0; i < 3; i++) {
        char a[32];
        snprintf(a, sizeof a, "198.18.%d.0", i);
        len += dump_msg(buf + len, 1, 0, AF_INET, a, 24, 0);
    }
    assert_int_equal(fibcells_parse(&fc, buf, len, 1, &e), 2);
    fibcells_free(&fc);
    /* a thousand prefixes: the table grows and keeps them all apart */
    fc = (struct fib_cells){.limit = 5000};
    for (int i = 0; i < 1000; i++) {
        char a[32];
        snprintf(a, sizeof a, "198.%d.%d.0", 18 + (i >> 8), i & 255);
        len = dump_msg(buf, 1, 0, AF_INET, a, 24, 0);
        assert_int_equal(fibcells_parse(&fc, buf, len, 1, &e), 0);
    }
    assert_int_equal(fc.n, 1000);
    assert_int_not_equal(cell(&fc, "198.18.7.1"), cell(&fc, "198.18.8.1"));
    assert_int_equal(cell(&fc, "198.21.231.1"), cell(&fc, "198.21.231.254"));
    assert_int_equal(cell(&fc, "198.21.232.1"), 0);
    fibcells_free(&fc);
    /* the kernel refused the dump */
    fc = (struct fib_cells){.limit = 10};
    len = error_msg(buf, 1, -EPERM);
    assert_int_equal(fibcells_parse(&fc, buf, len, 1, &e), -1);
    assert_non_null(strstr(e.msg, "refused"));
    /* malformed: a length over 32, a prefix without its address, a short address */
    len = dump_msg(buf, 1, 0, AF_INET, "198.18.0.0", 33, 0);
    assert_int_equal(fibcells_parse(&fc, buf, len, 1, &e), -1);
    assert_non_null(strstr(e.msg, "malformed route message at byte 0"));
    len = dump_msg(buf, 1, 1, AF_INET, NULL, 24, 0);
    assert_int_equal(fibcells_parse(&fc, buf, len, 1, &e), -1);
    assert_non_null(strstr(e.msg, "malformed rule message"));
    len = dump_msg(buf, 1, 0, AF_INET6, "2001:db8::", 32, 0);
    buf[0] = 0; /* keep the IPv6 address but say AF_INET: 16 bytes for a 4-byte field */
    ((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
    buf[NLMSG_HDRLEN] = AF_INET;
    assert_int_equal(fibcells_parse(&fc, buf, len, 1, &e), -1);
    /* every truncation of a good message is rejected or read within bounds */
    uint8_t good[128] = {0};
    size_t glen = dump_msg(good, 1, 0, AF_INET, "198.18.0.0", 16, RTA_OIF);
    for (size_t cut = 1; cut < glen; cut++) {
        uint8_t *b = malloc(cut);
        assert_non_null(b);
        memcpy(b, good, cut);
        assert_int_equal(fibcells_parse(&fc, b, cut, 1, &e), -1);
        free(b);
    }
    fibcells_free(&fc);
}

/* The kernel itself: 600 loopback targets (three batches) all answered, through lo. */
static void test_kernel_loopback(void **state)
{
    (void)state;
    enum { N = 600 };
    struct pr_addr *dst = calloc(N, sizeof *dst);
    struct route_answer *out = calloc(N, sizeof *out);
    assert_non_null(dst);
    assert_non_null(out);
    for (uint32_t i = 0; i < N; i++)
        addr_from_v4(&dst[i], 0x7f000001u + i);
    struct pr_error e;
    assert_int_equal(route_lookup_many(dst, N, out, NULL, &e), 0);
    unsigned lo = if_nametoindex("lo");
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(out[i].err, 0);
        assert_int_equal(out[i].oif, (int)lo);
        assert_true(addr_eq(&out[i].nexthop, &dst[i]));
        assert_int_equal(out[i].src.family, AF_INET);
    }
    free(dst);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_no_source_is_an_error),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_cells_limits_and_errors),
        cmocka_unit_test(test_kernel_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
