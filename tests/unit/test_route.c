/* rtnetlink route answers: parsed into source, next hop and interface; errors, acks and
 * other sequence numbers handled; truncated or lying lengths rejected, never read past. */
#include "net/route.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
        cmocka_unit_test(test_kernel_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
