/* The rtnetlink parsers of net/neigh.c on crafted buffers: RTM_NEWNEIGH dumps (IPv4 and
 * IPv6, usable and unusable states, other interfaces), the end and error messages, and
 * hostile lengths (truncated headers, attributes overrunning their message, short
 * payloads), which must be refused without reading past the buffer; RTM_NEWLINK
 * replies; and the hash table itself. */
#include "net/neigh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define IFX 7
#define SEQ 1234

struct nlbuf {
    uint8_t b[8192];
    size_t len;
    size_t msg; /* offset of the message being built */
};

static void msg_begin(struct nlbuf *nb, uint16_t type, uint32_t seq)
{
    nb->msg = nb->len;
    struct nlmsghdr h = {.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = type, .nlmsg_seq = seq};
    memcpy(nb->b + nb->len, &h, sizeof h);
    nb->len += NLMSG_HDRLEN;
}

static void msg_add(struct nlbuf *nb, const void *p, size_t n)
{
    memcpy(nb->b + nb->len, p, n);
    nb->len += NLMSG_ALIGN(n);
}

static void attr_add(struct nlbuf *nb, uint16_t type, const void *p, size_t n)
{
    struct rtattr ra = {.rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type};
    memcpy(nb->b + nb->len, &ra, sizeof ra);
    memcpy(nb->b + nb->len + RTA_LENGTH(0), p, n);
    nb->len += RTA_SPACE(n);
}

static void msg_end(struct nlbuf *nb)
{
    uint32_t l = (uint32_t)(nb->len - nb->msg);
    memcpy(nb->b + nb->msg, &l, sizeof l); /* nlmsg_len is the first field */
}

static void add_neigh(struct nlbuf *nb, int family, int ifindex, uint16_t state, const char *addr,
                      const uint8_t *mac, size_t maclen)
{
    struct ndmsg nd = {.ndm_family = (uint8_t)family, .ndm_ifindex = ifindex, .ndm_state = state};
    uint8_t a[16];
    assert_int_equal(inet_pton(family, addr, a), 1);
    msg_begin(nb, RTM_NEWNEIGH, SEQ);
    msg_add(nb, &nd, sizeof nd);
    attr_add(nb, NDA_DST, a, family == AF_INET6 ? 16 : 4);
    if (mac)
        attr_add(nb, NDA_LLADDR, mac, maclen);
    msg_end(nb);
}

static void add_done(struct nlbuf *nb, uint32_t seq)
{
    int zero = 0;
    msg_begin(nb, NLMSG_DONE, seq);
    msg_add(nb, &zero, sizeof zero);
    msg_end(nb);
}

static struct pr_addr A(const char *s) {
    struct pr_addr a;
    assert_int_equal(addr_parse(s, &a), 0);
    return a;
}

static const uint8_t MAC1[6] = {0x02, 0, 0, 0, 0, 1},
                     MAC2[6] = {0x02, 0, 0, 0, 0, 2};

static void test_dump(void **state)
{
    (void)state;
    static struct nlbuf nb;
    memset(&nb, 0, sizeof nb);
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.2", MAC1, 6);
    add_neigh(&nb, AF_INET6, IFX, NUD_STALE, "2001:2::2", MAC2, 6);
    add_neigh(&nb, AF_INET, IFX, NUD_INCOMPLETE, "198.18.0.3", MAC1, 6);
    add_neigh(&nb, AF_INET, IFX, NUD_FAILED, "198.18.0.4", MAC1, 6);
    add_neigh(&nb, AF_INET, IFX, NUD_PERMANENT, "198.18.0.5", MAC2, 6);
    add_neigh(&nb, AF_INET, IFX, NUD_NOARP, "198.18.0.6", MAC2, 6);
    add_neigh(&nb, AF_INET, IFX, NUD_DELAY, "198.18.0.7", MAC2, 6);
    add_neigh(&nb, AF_INET, IFX, NUD_PROBE, "198.18.0.8", MAC2, 6);
    add_neigh(&nb, AF_INET, IFX + 1, NUD_REACHABLE, "198.18.0.9", MAC1, 6); /* other link */
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.10", NULL, 0);    /* no MAC */
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.11", MAC1, 4);    /* short MAC */
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.12", MAC1, 6);
    /* another request's answer is ignored */
    size_t before = nb.len;
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.13", MAC1, 6);
    memcpy(nb.b + before + offsetof(struct nlmsghdr, nlmsg_seq), &(uint32_t){SEQ + 1}, 4);
    add_done(&nb, SEQ);
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.14", MAC1, 6); /* after DONE */

    struct neigh_table t = {.ifindex = IFX};
    struct pr_error e = {{0}};
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), 1);
    struct pr_addr a;
    a = A("198.18.0.2");
    assert_memory_equal(neigh_lookup(&t, &a), MAC1, 6);
    a = A("2001:2::2");
    assert_memory_equal(neigh_lookup(&t, &a), MAC2, 6);
    const char *usable[] = {"198.18.0.5", "198.18.0.6", "198.18.0.7", "198.18.0.8"};
    for (size_t i = 0; i < 4; i++) {
        a = A(usable[i]);
        assert_non_null(neigh_lookup(&t, &a));
    }
    const char *unusable[] = {"198.18.0.3",  "198.18.0.4",  "198.18.0.9",  "198.18.0.10",
                              "198.18.0.11", "198.18.0.13", "198.18.0.14", "2001:2::3"};
    for (size_t i = 0; i < 8; i++) {
        a = A(unusable[i]);
        assert_null(neigh_lookup(&t, &a));
    }
    a = A("198.18.0.12");
    assert_non_null(neigh_lookup(&t, &a));
    /* an IPv4 address and the IPv6 address with the same first bytes differ */
    a = A("2001:2::");
    assert_null(neigh_lookup(&t, &a));
    neigh_free(&t);
    a = A("198.18.0.2");
    assert_null(neigh_lookup(&t, &a));
}

static void test_dump_in_parts_and_unaligned(void **state)
{
    (void)state;
    static struct nlbuf nb;
    static uint8_t shifted[sizeof nb.b + 1];
    memset(&nb, 0, sizeof nb);
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.2", MAC1, 6);
    struct neigh_table t = {.ifindex = IFX};
    memcpy(shifted + 1, nb.b, nb.len);
    assert_int_equal(neigh_parse(&t, shifted + 1, nb.len, SEQ, NULL), 0); /* no DONE yet */
    memset(&nb, 0, sizeof nb);
    add_done(&nb, SEQ);
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, NULL), 1);
    struct pr_addr a = A("198.18.0.2");
    assert_non_null(neigh_lookup(&t, &a));
    neigh_free(&t);
}

static void test_error_message(void **state)
{
    (void)state;
    static struct nlbuf nb;
    memset(&nb, 0, sizeof nb);
    struct nlmsgerr err = {.error = -EPERM};
    msg_begin(&nb, NLMSG_ERROR, SEQ);
    msg_add(&nb, &err, sizeof err);
    msg_end(&nb);
    struct neigh_table t = {.ifindex = IFX};
    struct pr_error e = {{0}};
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), -1);
    assert_non_null(strstr(e.msg, strerror(EPERM)));
    /* an error message too short for its errno */
    memset(&nb, 0, sizeof nb);
    msg_begin(&nb, NLMSG_ERROR, SEQ);
    msg_end(&nb);
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), -1);
    assert_null(t.slots);
}

static void test_hostile_lengths(void **state)
{
    (void)state;
    static struct nlbuf nb;
    struct neigh_table t = {.ifindex = IFX};
    struct pr_error e = {{0}};
    memset(&nb, 0, sizeof nb);
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.2", MAC1, 6);
    size_t full = nb.len;
    /* every truncation of a valid message: refused or "more to come", never a read
     * past the end (ASan build), never an entry from a cut message */
    for (size_t cut = 0; cut < full; cut++) {
        int rc = neigh_parse(&t, nb.b, cut, SEQ, &e);
        assert_true(rc == -1 || (rc == 0 && cut == 0));
        assert_null(t.slots);
    }
    /* header length shorter than a header */
    uint32_t l = 8;
    memcpy(nb.b, &l, 4);
    assert_int_equal(neigh_parse(&t, nb.b, full, SEQ, &e), -1);
    /* header length beyond the buffer */
    l = (uint32_t)full + 4;
    memcpy(nb.b, &l, 4);
    assert_int_equal(neigh_parse(&t, nb.b, full, SEQ, &e), -1);
    /* payload shorter than struct ndmsg */
    memset(&nb, 0, sizeof nb);
    msg_begin(&nb, RTM_NEWNEIGH, SEQ);
    msg_add(&nb, &(uint32_t){0}, 4);
    msg_end(&nb);
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), -1);
    /* an attribute longer than its message */
    memset(&nb, 0, sizeof nb);
    add_neigh(&nb, AF_INET, IFX, NUD_REACHABLE, "198.18.0.2", MAC1, 6);
    size_t attr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ndmsg));
    unsigned short big = 200, tiny = 2;
    memcpy(nb.b + attr, &big, 2);
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), -1);
    /* an attribute shorter than its own header */
    memcpy(nb.b + attr, &tiny, 2);
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), -1);
    assert_null(t.slots);
    /* NDA_DST of the wrong size for the family: the entry is skipped */
    memset(&nb, 0, sizeof nb);
    struct ndmsg nd = {.ndm_family = AF_INET, .ndm_ifindex = IFX, .ndm_state = NUD_REACHABLE};
    msg_begin(&nb, RTM_NEWNEIGH, SEQ);
    msg_add(&nb, &nd, sizeof nd);
    attr_add(&nb, NDA_DST, "\xc6\x12\x00\x02\x00", 5);
    attr_add(&nb, NDA_LLADDR, MAC1, 6);
    msg_end(&nb);
    assert_int_equal(neigh_parse(&t, nb.b, nb.len, SEQ, &e), 0);
    assert_null(t.slots);
}

static void test_table_grows(void **state)
{
    (void)state;
    struct neigh_table t = {.ifindex = IFX};
    struct pr_addr a = {.family = AF_INET};
    uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < 3000; i++) {
        addr_from_v4(&a, 0xc6120000u + i);
        mac[5] = (uint8_t)i;
        assert_int_equal(neigh_put(&t, &a, mac, NUD_REACHABLE), 0);
    }
    addr_from_v4(&a, 0xc6120000u + 5);
    assert_int_equal(neigh_put(&t, &a, mac, NUD_FAILED), 0); /* replaced, not added */
    assert_int_equal(t.n, 3000);
    for (uint32_t i = 0; i < 3000; i++) {
        addr_from_v4(&a, 0xc6120000u + i);
        const uint8_t *m = neigh_lookup(&t, &a);
        if (i == 5) {
            assert_null(m);
        } else {
            assert_non_null(m);
            assert_int_equal(m[5], (uint8_t)i);
        }
    }
    neigh_free(&t);
}

static void test_link(void **state)
{
    (void)state;
    static struct nlbuf nb;
    memset(&nb, 0, sizeof nb);
    struct ifinfomsg other = {.ifi_index = IFX + 1, .ifi_type = ARPHRD_LOOPBACK};
    msg_begin(&nb, RTM_NEWLINK, SEQ);
    msg_add(&nb, &other, sizeof other);
    msg_end(&nb);
    struct ifinfomsg ifi = {.ifi_index = IFX, .ifi_type = ARPHRD_ETHER};
    uint32_t mtu = 1500;
    msg_begin(&nb, RTM_NEWLINK, SEQ);
    msg_add(&nb, &ifi, sizeof ifi);
    attr_add(&nb, IFLA_IFNAME, "veth0", 6);
    attr_add(&nb, IFLA_MTU, &mtu, sizeof mtu);
    attr_add(&nb, IFLA_ADDRESS, MAC2, 6);
    msg_end(&nb);
    struct link_info li = {.ifindex = IFX};
    assert_int_equal(link_parse(&li, nb.b, nb.len, SEQ, NULL), 1);
    assert_int_equal(li.type, ARPHRD_ETHER);
    assert_int_equal(li.mtu, 1500);
    assert_int_equal(li.mac_len, 6);
    assert_memory_equal(li.mac, MAC2, 6);
    /* truncated: refused */
    for (size_t cut = 1; cut < nb.len; cut++)
        assert_true(link_parse(&li, nb.b, cut, SEQ, NULL) <= 0);
    /* the kernel's "no such device" */
    memset(&nb, 0, sizeof nb);
    struct nlmsgerr err = {.error = -ENODEV};
    msg_begin(&nb, NLMSG_ERROR, SEQ);
    msg_add(&nb, &err, sizeof err);
    msg_end(&nb);
    struct pr_error e = {{0}};
    assert_int_equal(link_parse(&li, nb.b, nb.len, SEQ, &e), -1);
    assert_non_null(strstr(e.msg, strerror(ENODEV)));
}

/* neigh_confirmed: only REACHABLE and PERMANENT entries, not STALE ones */
static void test_confirmed(void **state)
{
    (void)state;
    struct neigh_table t = {.ifindex = IFX};
    struct pr_addr a, b, c;
    assert_int_equal(addr_parse("198.18.0.2", &a), 0);
    assert_int_equal(addr_parse("198.18.0.3", &b), 0);
    assert_int_equal(addr_parse("2001:2::2", &c), 0);
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 2};
    assert_int_equal(neigh_put(&t, &a, mac, NUD_REACHABLE), 0);
    assert_int_equal(neigh_put(&t, &b, mac, NUD_STALE), 0);
    assert_int_equal(neigh_put(&t, &c, mac, NUD_PERMANENT), 0);
    assert_non_null(neigh_confirmed(&t, &a));
    assert_null(neigh_confirmed(&t, &b));
    assert_non_null(neigh_lookup(&t, &b));
    assert_non_null(neigh_confirmed(&t, &c));
    neigh_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump),          cmocka_unit_test(test_dump_in_parts_and_unaligned),
        cmocka_unit_test(test_error_message), cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_table_grows),   cmocka_unit_test(test_link),
        cmocka_unit_test(test_confirmed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
