/* UDP payload database: the real /usr/share/nmap/nmap-payloads (read, not copied),
 * escapes and multi-line entries, port ranges and lookup edges, and malformed files
 * that must fail with the file name and line number. */
#include "net/payloads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static struct payload_db *load_str(const char *text, struct pr_error *e)
{
    return payload_load_mem(text, strlen(text), "test.payloads", e);
}

static void test_real_file(void **state)
{
    (void)state;
    if (access(PAYLOAD_DEFAULT_PATH, R_OK) != 0) {
        print_message("skipped: %s not installed\n", PAYLOAD_DEFAULT_PATH);
        skip();
    }
    struct pr_error e = {{0}};
    struct payload_db *db = payload_load(NULL, &e);
    assert_non_null(db);
    assert_true(payload_count(db) >= 50);
    const struct payload *l;
    size_t n = payload_get(db, 53, &l);
    assert_true(n >= 2);
    /* The first DNS payload is DNSStatusRequest: 12 bytes, opcode STATUS. */
    assert_int_equal(l[0].len, 12);
    assert_int_equal(l[0].data[2], 0x10);
    assert_true(payload_get(db, 161, &l) >= 1);
    assert_int_equal(l[0].data[0], 0x30); /* ASN.1 SEQUENCE */
    /* NTP: the first payload is a 48-byte client request (mode 3, 0xE3). Debian 12's
     * nmap 7.93 also lists a second 48-byte payload for 123 (an NTP control request), so
     * only the first is pinned down. */
    n = payload_get(db, 123, &l);
    assert_true(n >= 1);
    assert_int_equal(l[0].len, 48);
    assert_int_equal(l[0].data[0], 0xe3);
    /* Port 7 is "\x0D\x0A\x0D\x0A". */
    assert_int_equal(payload_get(db, 7, &l), 1);
    assert_memory_equal(l[0].data, "\r\n\r\n", 4);
    /* Inside the 32768-65535 ONC RPC range and at its ends. */
    assert_true(payload_get(db, 40000, &l) >= 1);
    assert_true(payload_get(db, 65535, &l) >= 1);
    assert_true(payload_get(db, 32768, &l) >= 1);
    /* A port with nothing. */
    assert_int_equal(payload_get(db, 1, &l), 0);
    assert_null(l);
    /* The explicit path works the same way. */
    struct payload_db *db2 = payload_load(PAYLOAD_DEFAULT_PATH, &e);
    assert_non_null(db2);
    assert_int_equal(payload_count(db2), payload_count(db));
    payload_free(db2);
    payload_free(db);
}

static void test_escapes_and_multiline(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    const char *text = "# a comment line\n"
                       "udp 9,100-102 \"a\\x41\\0\\r\\n\\t\\\\\\\"z\" # trailing comment\n"
                       "  \"\\xfF\\x00\"\n"
                       "\n"
                       "udp\n"
                       "  101\n"
                       "  \"second\"\n"
                       "source 500\n"
                       "futurekeyword with \"anything\" 1,2,3 on its line\n"
                       "udp 101 \"\"   \t\r\n"
                       "udp 7 \"x\"\"y\"";
    struct payload_db *db = load_str(text, &e);
    if (!db)
        fail_msg("%s", e.msg);
    assert_int_equal(payload_count(db), 4);
    const struct payload *l;
    const uint8_t first[] = {'a', 'A', 0, '\r', '\n', '\t', '\\', '"', 'z', 0xff, 0x00};
    assert_int_equal(payload_get(db, 9, &l), 1);
    assert_int_equal(l[0].len, sizeof first);
    assert_memory_equal(l[0].data, first, sizeof first);
    assert_int_equal(payload_get(db, 100, &l), 1);
    assert_int_equal(payload_get(db, 101, &l), 3); /* file order */
    assert_int_equal(l[0].len, sizeof first);
    assert_int_equal(l[1].len, 6);
    assert_memory_equal(l[1].data, "second", 6);
    assert_int_equal(l[2].len, 0);
    assert_int_equal(payload_get(db, 102, &l), 1);
    assert_int_equal(payload_get(db, 103, &l), 0);
    assert_int_equal(payload_get(db, 99, &l), 0);
    assert_int_equal(payload_get(db, 7, &l), 1);
    assert_memory_equal(l[0].data, "xy", 2);
    payload_free(db);
}

static void test_ranges_and_edges(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct payload_db *db =
        load_str("udp 0 \"zero\"\nudp 65535,65535 \"top\"\nudp 10-20,15-25 \"mid\"\n", &e);
    assert_non_null(db);
    const struct payload *l;
    assert_int_equal(payload_get(db, 0, &l), 1);
    assert_memory_equal(l[0].data, "zero", 4);
    assert_int_equal(payload_get(db, 65535, &l), 1); /* listed twice, sent once */
    assert_int_equal(payload_get(db, 65534, &l), 0);
    for (unsigned p = 10; p <= 25; p++)
        assert_int_equal(payload_get(db, (uint16_t)p, &l), 1);
    assert_int_equal(payload_get(db, 9, &l), 0);
    assert_int_equal(payload_get(db, 26, &l), 0);
    payload_free(db);

    /* An empty file and a comments-only file are empty databases. */
    db = load_str("", &e);
    assert_non_null(db);
    assert_int_equal(payload_get(db, 53, &l), 0);
    payload_free(db);
    db = load_str("# nothing\n\n   # here\n", &e);
    assert_non_null(db);
    assert_int_equal(payload_count(db), 0);
    payload_free(db);
    payload_free(NULL);
}

static void test_max_per_port(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    size_t cap = 300 * 32, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < PAYLOAD_MAX_PER_PORT; i++)
        len += (size_t)snprintf(text + len, cap - len, "udp 1-3 \"%d\"\n", i);
    struct payload_db *db = payload_load_mem(text, len, "many", &e);
    assert_non_null(db);
    const struct payload *l;
    assert_int_equal(payload_get(db, 2, &l), PAYLOAD_MAX_PER_PORT);
    assert_memory_equal(l[254].data, "254", 3);
    payload_free(db);
    len += (size_t)snprintf(text + len, cap - len, "udp 3 \"one too many\"\n");
    db = payload_load_mem(text, len, "many", &e);
    assert_null(db);
    assert_non_null(strstr(e.msg, "many line 256"));
    assert_non_null(strstr(e.msg, "port 3"));
    free(text);
}

/* Each malformed text must fail, naming the file and the expected line. */
static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* substring of the message */
    } cases[] = {
        {"udp 53 \"abc\n", "test.payloads line 1: unterminated string"},
        {"# c\nudp 53\n  \"ab\\", "line 3: unterminated string"},
        {"udp 53 \"a\"\n  \"b\\q\"\n", "line 2: bad escape '\\q'"},
        {"udp 53 \"\\x4\"\n", "line 1: bad escape '\\x'"},
        {"udp 53 \"\\xg0\"\n", "line 1: bad escape"},
        {"\n\nudp 53,,54 \"a\"\n", "line 3: bad port list '53,,54'"},
        {"udp 53, \"a\"\n", "line 1: bad port list '53,'"},
        {"udp 65536 \"a\"\n", "line 1: bad port list"},
        {"udp 100-10 \"a\"\n", "line 1: reversed port range"},
        {"udp 1-2-3 \"a\"\n", "line 1: bad port list"},
        {"udp abc \"a\"\n", "line 1: bad port list 'abc'"},
        {"udp -5 \"a\"\n", "line 1: bad port list"},
        {"udp \"a\"\n", "line 1: expected a port list"},
        {"udp\n", "line 2: expected a port list"},
        {"udp 53\n\n", "line 3: expected a quoted payload"},
        {"udp 53 source 5\n", "line 1: expected a quoted payload"},
        {"\"orphan\"\n", "line 1: quoted string outside"},
        {"udp 53 \"a\"\nsource 500\n\"b\"\n", "line 3: quoted string outside"},
        {"udp 53 \"a\"\n53 \"b\"\n", "line 2: expected 'udp' or a keyword, found '53'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pr_error e = {{0}};
        struct payload_db *db = load_str(cases[i].text, &e);
        if (db || !strstr(e.msg, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, db ? "(loaded)" : e.msg, cases[i].want);
        assert_non_null(strstr(e.msg, "test.payloads"));
    }
}

static void test_oversized_payload(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    size_t n = PAYLOAD_MAX_LEN + 1;
    char *text = malloc(n * 4 + 32);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "udp 1\n\"");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "\\x%02x", (unsigned)(i & 0xff));
    text[len++] = '"';
    assert_null(payload_load_mem(text, len, "big", &e));
    assert_non_null(strstr(e.msg, "big line 2: payload longer than"));
    /* One byte shorter fits. */
    len = (size_t)sprintf(text, "udp 1\n\"");
    for (size_t i = 0; i < n - 1; i++)
        text[len++] = 'A';
    text[len++] = '"';
    struct payload_db *db = payload_load_mem(text, len, "big", &e);
    assert_non_null(db);
    const struct payload *l;
    assert_int_equal(payload_get(db, 1, &l), 1);
    assert_int_equal(l[0].len, PAYLOAD_MAX_LEN);
    payload_free(db);
    free(text);
}

static void test_files(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    char path[] = "/tmp/pr_payloads_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "udp 53 \"ok\"\nudp 54 \"bad\\z\"\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_null(payload_load(path, &e));
    char want[128];
    snprintf(want, sizeof want, "%s line 2: bad escape", path);
    assert_non_null(strstr(e.msg, want));
    unlink(path);
    /* An explicitly named file that does not exist is an error naming it. */
    assert_null(payload_load(path, &e));
    assert_non_null(strstr(e.msg, path));
    /* A directory cannot be read. */
    assert_null(payload_load("/", &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_file),
        cmocka_unit_test(test_escapes_and_multiline),
        cmocka_unit_test(test_ranges_and_edges),
        cmocka_unit_test(test_max_per_port),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_oversized_payload),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
