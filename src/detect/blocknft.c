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

int blk_nft_add(struct blk_nft *n, const struct pr_addr *a, uint32_t seconds, struct pr_error *e)
{
    char as[PR_ADDRSTRLEN], cmd[256];
    snprintf(cmd, sizeof cmd, "add element inet " BLK_TABLE " %s { %s timeout %us }\n", set_of(a),
             addr_str(a, as, sizeof as), seconds);
    return run(n, cmd, e);
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
               "flush set inet " BLK_TABLE " " BLK_SET6 "\n",
               e);
}

int blk_nft_teardown(struct blk_nft *n, struct pr_error *e)
{
    return run(n, "delete table inet " BLK_TABLE "\n", e);
}

/* One set's elements from nft's JSON output: {"nftables":[..., {"set":{"elem":[...]}}]}. */
static int list_json(const char *text, FILE *out, struct pr_error *e)
{
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
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
            json_int_t timeout = json_integer_value(json_object_get(inner, "timeout"));
            json_int_t expires = json_integer_value(json_object_get(inner, "expires"));
            fprintf(out, "%s\texpires in %llds (of %llds)\n", val, (long long)expires,
                    (long long)timeout);
            count++;
        }
    }
    json_decref(root);
    return count;
}

int blk_nft_list(struct blk_nft *n, FILE *out, struct pr_error *e)
{
    unsigned flags = nft_ctx_output_get_flags(n->ctx);
    nft_ctx_output_set_flags(n->ctx, flags | NFT_CTX_OUTPUT_JSON);
    int total = 0;
    static const char *const cmds[] = {"list set inet " BLK_TABLE " " BLK_SET4,
                                       "list set inet " BLK_TABLE " " BLK_SET6};
    for (size_t i = 0; i < 2 && total >= 0; i++) {
        if (run(n, cmds[i], e) < 0) {
            total = -1;
            break;
        }
        int c = list_json(nft_ctx_get_output_buffer(n->ctx), out, e);
        total = c < 0 ? -1 : total + c;
    }
    nft_ctx_output_set_flags(n->ctx, flags);
    return total;
}
