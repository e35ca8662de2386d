/* The follower (detect/follow.h) on a real file: growth, rotation (rename and a new file,
 * with lines appended to the old one first), truncation, and truncate-and-rewrite to the
 * same or a larger size between two polls. Every byte is read exactly once; "|R|" marks
 * where the follower said that a new file starts. */
#include "detect/follow.h"

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

struct fx {
    char dir[64], path[96], old[96];
};

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);
    assert_non_null(x);
    snprintf(x->dir, sizeof x->dir, "/tmp/prfollowXXXXXX");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->path, sizeof x->path, "%s/log", x->dir);
    snprintf(x->old, sizeof x->old, "%s/log.1", x->dir);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    unlink(x->path);
    unlink(x->old);
    rmdir(x->dir);
    free(x);
    return 0;
}

static void put(const char *path, const char *s, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
}

/* Writes content to the fixture's file and opens it. */
static struct det_follow *start(struct fx *x, const char *content, int follow)
{
    struct det_follow *f;
    struct pr_error e;
    put(x->path, content, O_TRUNC);
    assert_int_equal(det_follow_open(x->path, follow, 1, &f, &e), 0);
    return f;
}

/* Reads until the follower is idle; returns what it read, restarts marked "|R|". */
static const char *drain(struct det_follow *f)
{
    static char acc[4096];
    size_t n = 0;
    struct pr_error e;
    for (int idle = 0; idle < 2;) { /* twice idle: once to notice a change, once to read */
        char b[7];                  /* small reads: lines cross read boundaries */
        ssize_t r = det_follow_read(f, b, sizeof b, &e);
        assert_true(r != -1 && r != 0);
        if (r == DET_FOLLOW_IDLE) {
            idle++;
            continue;
        }
        idle = 0;
        const char *src = r == DET_FOLLOW_RESTART ? "|R|" : b;
        size_t k = r == DET_FOLLOW_RESTART ? 3 : (size_t)r;
        assert_true(n + k < sizeof acc);
        memcpy(acc + n, src, k);
        n += k;
    }
    acc[n] = 0;
    return acc;
}

static void test_grow_rotate_truncate_rewrite(void **state)
{
    struct fx *x = *state;
    struct det_follow *f = start(x, "line-01\nline-02\n", 1);
    assert_string_equal(drain(f), "line-01\nline-02\n");
    assert_string_equal(drain(f), "");
    /* growth */
    put(x->path, "line-03\n", O_APPEND);
    assert_string_equal(drain(f), "line-03\n");
    /* rotation: a line and a half appended to the old file, then rename and a new file */
    put(x->path, "line-04\nline-05-no-newline", O_APPEND);
    assert_int_equal(rename(x->path, x->old), 0);
    put(x->path, "line-06\n", O_TRUNC);
    assert_string_equal(drain(f), "line-04\nline-05-no-newline|R|line-06\n");
    /* truncation to a smaller size */
    put(x->path, "line-07\nline-08\n", O_APPEND);
    assert_string_equal(drain(f), "line-07\nline-08\n");
    put(x->path, "line-09\n", O_TRUNC);
    assert_string_equal(drain(f), "|R|line-09\n");
    /* truncated and rewritten to the same size between two polls */
    put(x->path, "line-10\n", O_TRUNC);
    assert_string_equal(drain(f), "|R|line-10\n");
    /* ... and to a larger size */
    put(x->path, "line-11\nline-12\nline-13\n", O_TRUNC);
    assert_string_equal(drain(f), "|R|line-11\nline-12\nline-13\n");
    /* appending after all that is plain growth again */
    put(x->path, "line-14\n", O_APPEND);
    assert_string_equal(drain(f), "line-14\n");
    assert_int_equal(det_follow_restarts(f), 4);
    det_follow_close(f);
}

/* A file rewritten with the same bytes up to the read position (copytruncate of an
 * unchanged file, then growth) is not a new file: only the new bytes are read. */
static void test_same_content_is_growth(void **state)
{
    struct fx *x = *state;
    struct det_follow *f = start(x, "line-01\nline-02\n", 1);
    assert_string_equal(drain(f), "line-01\nline-02\n");
    put(x->path, "line-01\nline-02\nline-03\n", O_TRUNC); /* copytruncate of the same */
    assert_string_equal(drain(f), "line-03\n");
    assert_int_equal(det_follow_restarts(f), 0);
    det_follow_close(f);
}

/* Without follow: the end of the file is the end. */
static void test_no_follow(void **state)
{
    struct fx *x = *state;
    struct det_follow *f = start(x, "a\nb\n", 0);
    struct pr_error e;
    char b[64];
    assert_int_equal(det_follow_read(f, b, sizeof b, &e), 4);
    assert_int_equal(det_follow_read(f, b, sizeof b, &e), 0);
    det_follow_close(f);
    assert_int_equal(det_follow_open("/nonexistent/prfollow", 1, 1, &f, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/prfollow"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_grow_rotate_truncate_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_content_is_growth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_follow, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
