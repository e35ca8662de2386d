/* blocknft.c — see blocknft.h. */
#include "detect/blocknft.h"

#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

struct blk_nft {
    struct nft_ctx *ctx;
};

struct blk_nft *blk_nft_open(struct pr_error *e)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx) {
        pr_errf(e, "nftables: cannot create a libnftables context");
        return NULL;
    }
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    struct blk_nft *n = pr_calloc(1, sizeof *n);
    n->ctx = ctx;
    return n;
}

void blk_nft_close(struct blk_nft *n)
{
    if (!n)
        return;
    nft_ctx_free(n->ctx);
    free(n);
}

/* Runs one command buffer; the first line of nft's error text goes into e. */
static int run(struct blk_nft *n, const char *cmd, struct pr_error *e)
{
    (void)nft_ctx_get_output_buffer(n->ctx); /* drop what an earlier command printed */
    (void)nft_ctx_get_error_buffer(n->ctx);
    if (nft_run_cmd_from_buffer(n->ctx, cmd) == 0)
        return 0;
    const char *err = nft_ctx_get_error_buffer(n->ctx);
    size_t len = err ? strcspn(err, "\n") : 0;
    return pr_errf(e, "nftables: %.*s", (int)(len > 300 ? 300 : len), len ? err : "failed");
}

int blk_nft_setup(struct blk_nft *n, struct pr_error *e)
{
    static const char cmd[] =
        "add table inet " BLK_TABLE "\n"
        "add set inet " BLK_TABLE " " BLK_SET4 " { type ipv4_addr; flags timeout; size 65536; }\n"
        "add set inet " BLK_TABLE " " BLK_SET6 " { type ipv6_addr; flags timeout; size 65536; }\n"
        "add set inet " BLK_TABLE " " BLK_OSET4 " { type ipv4_addr; flags timeout; size 65536; }\n"
        "add set inet " BLK_TABLE " " BLK_OSET6 " { type ipv6_addr; flags timeout; size 65536; }\n"
        "add chain inet " BLK_TABLE
        " input { type filter hook input priority -10; policy accept; }\n"
        "flush chain inet " BLK_TABLE " input\n"
        "add rule inet " BLK_TABLE " input ip saddr @" BLK_SET4 " drop\n"
        "add rule inet " BLK_TABLE " input ip6 saddr @" BLK_SET6 " drop\n";
    return run(n, cmd, e);
}

int blk_nft_exists(struct blk_nft *n, struct pr_error *e)
{
    (void)nft_ctx_get_output_buffer(n->ctx);
    (void)nft_ctx_get_error_buffer(n->ctx);
    if (nft_run_cmd_from_buffer(n->ctx, "list table inet " BLK_TABLE) == 0)
        return 1;
    const char *err = nft_ctx_get_error_buffer(n->ctx);
    if (err && (strstr(err, "No such file") || strstr(err, "does not exist")))
        return 0;
    size_t len = err ? strcspn(err, "\n") : 0;
    return pr_errf(e, "nftables: %.*s", (int)(len > 300 ? 300 : len), len ? err : "failed");
}

static const char *set_of(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? BLK_SET6 : BLK_SET4;
}

static const char *oset_of(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? BLK_OSET6 : BLK_OSET4;
}

int blk_nft_add(struct blk_nft *n, const struct pr_addr *a, uint32_t seconds, uint32_t count,
                struct pr_error *e)
{
    char as[PR_ADDRSTRLEN], block[160], cmd[768];
    addr_str(a, as, sizeof as);
    if (!count) { /* a fleet decision (block --sync): the local offence count stays */
        snprintf(block, sizeof block,
                 "add element inet " BLK_TABLE " %s { %s timeout %us comment \"fleet\" }\n",
                 set_of(a), as, seconds);
        return run(n, block, e);
    }
    snprintf(block, sizeof block,
             "add element inet " BLK_TABLE " %s { %s timeout %us comment \"offence %u\" }\n",
             set_of(a), as, seconds, count);
    /* an element's comment cannot be changed in place: add (so that the delete cannot
     * fail), delete and add again, in one transaction with the block */
    snprintf(cmd, sizeof cmd,
             "%s"
             "add element inet " BLK_TABLE " %s { %s timeout %us }\n"
             "delete element inet " BLK_TABLE " %s { %s }\n"
             "add element inet " BLK_TABLE " %s { %s timeout %us comment \"%u\" }\n",
             block, oset_of(a), as, BLK_OFFENCE_MEMORY, oset_of(a), as, oset_of(a), as,
             BLK_OFFENCE_MEMORY, count);
    if (run(n, cmd, e) == 0)
        return 0;
    /* the offence set is full (or was deleted by hand): block all the same */
    return run(n, block, e);
}

/* The first number in a comment ("offence 3" or "3"); 0 when there is none. */
static uint32_t comment_count(const char *c)
{
    if (!c)
        return 0;
    while (*c && (*c < '0' || *c > '9'))
        c++;
    uint64_t v = 0;
    for (; *c >= '0' && *c <= '9' && v < 1000000; c++)
        v = v * 10 + (uint64_t)(*c - '0');
    return (uint32_t)v;
}

/* Calls fn for every element of nft's JSON listing of sets; returns the number of
 * elements or -1. */
static int each_elem(const char *text,
                     void (*fn)(void *ctx, const char *val, json_int_t timeout, json_int_t expires,
                                const char *comment),
                     void *ctx, struct pr_error *e)
{
    json_error_t je;
    json_t *root = json_loads(text ? text : "", 0, &je);
    if (!root)
        return pr_errf(e, "nftables: unreadable JSON listing at line %d: %s", je.line, je.text);
    int count = 0;
    json_t *items = json_object_get(root, "nftables"), *it;
    size_t i;
    json_array_foreach(items, i, it)
    {
        json_t *elems = json_object_get(json_object_get(it, "set"), "elem"), *el;
        size_t k;
        json_array_foreach(elems, k, el)
        {
            json_t *inner = json_object_get(el, "elem");
            const char *val = json_string_value(inner ? json_object_get(inner, "val") : el);
            if (!val)
                continue;
            fn(ctx, val, json_integer_value(json_object_get(inner, "timeout")),
               json_integer_value(json_object_get(inner, "expires")),
               json_string_value(json_object_get(inner, "comment")));
            count++;
        }
    }
    json_decref(root);
    return count;
}

/* Runs a list command with JSON output and calls fn for each element. */
static int list_elems(struct blk_nft *n, const char *cmd,
                      void (*fn)(void *ctx, const char *val, json_int_t timeout, json_int_t expires,
                                 const char *comment),
                      void *ctx, struct pr_error *e)
{
    unsigned flags = nft_ctx_output_get_flags(n->ctx);
    nft_ctx_output_set_flags(n->ctx, flags | NFT_CTX_OUTPUT_JSON);
    int c = run(n, cmd, e);
    if (c == 0)
        c = each_elem(nft_ctx_get_output_buffer(n->ctx), fn, ctx, e);
    nft_ctx_output_set_flags(n->ctx, flags);
    return c;
}

struct lookup {
    const char *want;
    int found;
    uint32_t expires, count;
};

static void lookup_one(void *ctx, const char *val, json_int_t timeout, json_int_t expires,
                       const char *comment)
{
    (void)timeout;
    struct lookup *l = ctx;
    if (l->found || strcmp(val, l->want) != 0)
        return;
    l->found = 1;
    l->expires = expires > 0 && expires < UINT32_MAX ? (uint32_t)expires : 0;
    l->count = comment_count(comment);
}

int blk_nft_lookup(struct blk_nft *n, enum blk_nft_set which, const struct pr_addr *a,
                   uint32_t *expires, uint32_t *count, struct pr_error *e)
{
    char as[PR_ADDRSTRLEN], cmd[128];
    struct lookup l = {addr_str(a, as, sizeof as), 0, 0, 0};
    snprintf(cmd, sizeof cmd, "list set inet " BLK_TABLE " %s",
             which == BLK_NFT_BLOCKS ? set_of(a) : oset_of(a));
    if (list_elems(n, cmd, lookup_one, &l, e) < 0)
        return -1;
    *expires = l.expires;
    *count = l.count;
    return l.found;
}

int blk_nft_del(struct blk_nft *n, const struct pr_addr *a, struct pr_error *e)
{
    char as[PR_ADDRSTRLEN], cmd[256];
    snprintf(cmd, sizeof cmd, "delete element inet " BLK_TABLE " %s { %s }\n", set_of(a),
             addr_str(a, as, sizeof as));
    return run(n, cmd, e);
}

int blk_nft_flush(struct blk_nft *n, struct pr_error *e)
{
    return run(n,
               "flush set inet " BLK_TABLE " " BLK_SET4 "\n"
               "flush set inet " BLK_TABLE " " BLK_SET6 "\n"
               "flush set inet " BLK_TABLE " " BLK_OSET4 "\n"
               "flush set inet " BLK_TABLE " " BLK_OSET6 "\n",
               e);
}

int blk_nft_teardown(struct blk_nft *n, struct pr_error *e)
{
    return run(n, "delete table inet " BLK_TABLE "\n", e);
}

static void print_one(void *ctx, const char *val, json_int_t timeout, json_int_t expires,
                      const char *comment)
{
    if (!ctx)
        return;
    if (comment && !strcmp(comment, "fleet"))
        fprintf(ctx, "%s\texpires in %llds (of %llds), a fleet decision\n", val, (long long)expires,
                (long long)timeout);
    else
        fprintf(ctx, "%s\texpires in %llds (of %llds), offence %u\n", val, (long long)expires,
                (long long)timeout, comment_count(comment));
}

int blk_nft_list(struct blk_nft *n, FILE *out, struct pr_error *e)
{
    int total = 0;
    static const char *const cmds[] = {"list set inet " BLK_TABLE " " BLK_SET4,
                                       "list set inet " BLK_TABLE " " BLK_SET6};
    for (size_t i = 0; i < 2; i++) {
        int c = list_elems(n, cmds[i], print_one, out, e);
        if (c < 0)
            return -1;
        total += c;
    }
    return total;
}
