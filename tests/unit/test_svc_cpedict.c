/* CPE dictionary aliases (svc/cpedict.c): 2.3 deprecated-by and 2.2 deprecated_by renames
 * in both directions, version-only deprecations dropped, escapes, comments and quoted '>'
 * skipped, and hostile files refused with the line; the JSON of NVD's CPE API 2.0
 * (deprecatedBy and deprecates), chains of renames, and a directory of feed chunks. */
#include "svc/cpedict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static const char dict[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<cpe-list xmlns=\"http://cpe.mitre.org/dictionary/2.0\" "
    "xmlns:cpe-23=\"http://scap.nist.gov/schema/cpe-extension/2.3\">\n"
    "  <!-- a comment with <cpe-item name=\"cpe:/a:x:y\" deprecated_by=\"cpe:/a:z:y\"> -->\n"
    "  <cpe-item name=\"cpe:/a:igor_sysoev:nginx:1.22.1\" deprecated=\"true\">\n"
    "    <title xml:lang=\"en-US\">Igor Sysoev nginx 1.22.1 &gt; old</title>\n"
    "    <cpe-23:cpe23-item name=\"cpe:2.3:a:igor_sysoev:nginx:1.22.1:*:*:*:*:*:*:*\">\n"
    "      <cpe-23:deprecation date=\"2023-01-01T00:00:00.000Z\">\n"
    "        <cpe-23:deprecated-by name=\"cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*\" "
    "type=\"NAME_CORRECTION\"/>\n"
    "      </cpe-23:deprecation>\n"
    "    </cpe-23:cpe23-item>\n"
    "  </cpe-item>\n"
    /* the same rename again, from another version: counted once */
    "  <cpe-item name=\"cpe:/a:igor_sysoev:nginx:1.22.0\">\n"
    "    <cpe-23:cpe23-item name='cpe:2.3:a:igor_sysoev:nginx:1.22.0:*:*:*:*:*:*:*'>\n"
    "      <cpe-23:deprecation><cpe-23:deprecated-by "
    "name='cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*'/></cpe-23:deprecation>\n"
    "    </cpe-23:cpe23-item>\n"
    "  </cpe-item>\n"
    /* a version-only correction: no alias */
    "  <cpe-item name=\"cpe:/a:openbsd:openssh:9.2p1\">\n"
    "    <cpe-23:cpe23-item name=\"cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*\">\n"
    "      <cpe-23:deprecation><cpe-23:deprecated-by "
    "name=\"cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*\"/></cpe-23:deprecation>\n"
    "    </cpe-23:cpe23-item>\n"
    "  </cpe-item>\n"
    /* CPE 2.2 attribute form, percent- and backslash-escaped names, '>' in a value */
    "  <cpe-item name=\"cpe:/a:old%21co:prod\" deprecated_by=\"cpe:/a:newco:prod\" "
    "note=\"a > b\"/>\n"
    "  <cpe-item name=\"cpe:/a:isc:bind:9\">\n"
    "    <cpe-23:cpe23-item name=\"cpe:2.3:a:isc:bind:9:*:*:*:*:*:*:*\">\n"
    "      <cpe-23:deprecation><cpe-23:deprecated-by "
    "name=\"cpe:2.3:a:isc:bind\\!9:9:*:*:*:*:*:*:*\"/></cpe-23:deprecation>\n"
    "    </cpe-23:cpe23-item>\n"
    "  </cpe-item>\n"
    "  <![CDATA[ <cpe-item name=\"cpe:/a:q:r\" deprecated_by=\"cpe:/a:s:r\"> ]]>\n"
    "</cpe-list>\n";

static void test_aliases(void **state)
{
    (void)state;
    struct pr_error e = {""};
    struct cpedict *d = cpedict_parse(dict, sizeof dict - 1, "dict.xml", &e);
    assert_non_null(d);
    assert_int_equal(cpedict_count(d), 3);
    assert_string_equal(cpedict_alias(d, "a:igor_sysoev:nginx", 0), "a:f5:nginx");
    assert_null(cpedict_alias(d, "a:igor_sysoev:nginx", 1));
    assert_string_equal(cpedict_alias(d, "a:f5:nginx", 0), "a:igor_sysoev:nginx");
    assert_null(cpedict_alias(d, "a:openbsd:openssh", 0));
    assert_string_equal(cpedict_alias(d, "a:old!co:prod", 0), "a:newco:prod");
    assert_string_equal(cpedict_alias(d, "a:isc:bind", 0), "a:isc:bind!9");
    assert_null(cpedict_alias(d, "a:x:y", 0));
    assert_null(cpedict_alias(d, "a:q:r", 0));
    assert_null(cpedict_alias(d, "a:zzz:zzz", 0));
    cpedict_free(d);
}

static void bad(const char *text, const char *want)
{
    struct pr_error e = {""};
    struct cpedict *d = cpedict_parse(text, strlen(text), "bad.xml", &e);
    assert_null(d);
    if (!strstr(e.msg, want))
        fail_msg("'%s' lacks '%s'", e.msg, want);
}

static void test_bad(void **state)
{
    (void)state;
    bad("<cpe-list>\n<cpe-item name=\"cpe:/a:x:y", "bad.xml line 2: the file ends inside a tag");
    bad("{\"resultsPerPage\":0}", "not a CPE dictionary (no \"products\"");
    bad("{\"products\":[\n{\"cpe\": }]}", "bad.xml line 2 column");
    bad("{\"products\":[{\"cpe\":{\"deprecated\":true}}]}", "products[0]: no cpe.cpeName");
    bad("", "not a CPE dictionary");
    bad("<cpe-list><<x>", "'<' right after '<'");
    char *big = malloc(40000);
    assert_non_null(big);
    memset(big, 'a', 39999);
    memcpy(big, "<cpe-list>\n\n<x ", 15);
    big[39999] = '\0';
    bad(big, "bad.xml line 3: a tag longer than");
    free(big);
    struct pr_error e = {""};
    assert_null(cpedict_load("/nonexistent/dict.xml", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/dict.xml"));
}

/* NVD CPE API 2.0: a rename recorded on the old name (deprecatedBy) and on the new one
 * (deprecates); a later rename of the new name makes a chain of three names. */
static const char api_page[] =
    "{\"resultsPerPage\": 3, \"format\": \"NVD_CPE\", \"version\": \"2.0\",\n"
    " \"products\": [\n"
    "  {\"cpe\": {\"deprecated\": true, \"cpeName\": "
    "\"cpe:2.3:a:igor_sysoev:nginx:1.22.1:*:*:*:*:*:*:*\",\n"
    "   \"deprecatedBy\": [{\"cpeName\": \"cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*\", "
    "\"cpeNameId\": \"x\"}]}},\n"
    "  {\"cpe\": {\"deprecated\": false, \"cpeName\": "
    "\"cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*\",\n"
    "   \"deprecates\": [{\"cpeName\": \"cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*\"}]}},\n"
    "  {\"cpe\": {\"deprecated\": false, \"cpeName\": "
    "\"cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*\"}}\n"
    " ]}\n";

static int has_alias(const struct cpedict *d, const char *key, const char *want)
{
    const char *a;
    for (size_t i = 0; (a = cpedict_alias(d, key, i)); i++)
        if (!strcmp(a, want))
            return 1;
    return 0;
}

static void test_json_chain(void **state)
{
    (void)state;
    struct pr_error e = {""};
    struct cpedict *d = cpedict_parse(api_page, sizeof api_page - 1, "page.json", &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_true(has_alias(d, "a:igor_sysoev:nginx", "a:nginx:nginx"));
    assert_true(has_alias(d, "a:igor_sysoev:nginx", "a:f5:nginx")); /* two steps */
    assert_true(has_alias(d, "a:f5:nginx", "a:igor_sysoev:nginx"));
    assert_true(has_alias(d, "a:nginx:nginx", "a:f5:nginx"));
    assert_null(cpedict_alias(d, "a:igor_sysoev:nginx", 2));
    assert_null(cpedict_alias(d, "a:openbsd:openssh", 0));
    cpedict_free(d);

    /* the same two renames from a directory of two chunks, one XML and one JSON */
    char dir[] = "/tmp/cpedict.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/a.xml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<cpe-list><cpe-item name=\"cpe:/a:igor_sysoev:nginx\" "
          "deprecated_by=\"cpe:/a:nginx:nginx\"/></cpe-list>\n",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/b.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"products\": [{\"cpe\": {\"cpeName\": \"cpe:2.3:a:nginx:nginx:-:*:*:*:*:*:*:*\", "
          "\"deprecatedBy\": [{\"cpeName\": \"cpe:2.3:a:f5:nginx:-:*:*:*:*:*:*:*\"}]}}]}",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/notes.txt", dir); /* not a dictionary file: not read */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("<<", f);
    fclose(f);
    d = cpedict_load(dir, &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_true(has_alias(d, "a:igor_sysoev:nginx", "a:f5:nginx"));
    assert_int_equal(cpedict_count(d), 3);
    cpedict_free(d);
    const char *names[] = {"a.xml", "b.json", "notes.txt"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    assert_null(cpedict_load(dir, &e)); /* empty now */
    assert_non_null(strstr(e.msg, "without .xml or .json files"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_json_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
