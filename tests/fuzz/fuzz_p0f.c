/* fuzz_p0f.c — libFuzzer target for passive OS fingerprints (os/p0fdb.c, os/p0fmatch.c).
 *
 * The first byte chooses the half: even, the input is a p0f.fp database (parsed; an
 * accepted one has labels behind every signature); odd, the rest is an IP datagram read by
 * p0f_observe and matched against a small database made here. Neither may crash, read out
 * of bounds or leak. */
#include "os/p0fmatch.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char small_db[] = "classes = win,unix,other\n"
                               "[mtu]\nlabel = Ethernet\nsig = 1500\n"
                               "[tcp:request]\nlabel = s:unix:Linux:3.11 and newer\n"
                               "sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
                               "label = g:win:Windows:NT kernel\n"
                               "sig = *:128:0:*:%8192,*:mss,nop,nop,sok:df,id+:0\n"
                               "label = s:!:NMap:SYN scan\n"
                               "sig = *:64-:0:1460:1024,0:mss::0\n"
                               "[tcp:response]\nlabel = s:unix:Linux:3.x\n"
                               "sig = *:64:0:*:mss*10,0:mss:df:0\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    struct pr_error e;
    struct p0f_db db;
    if (!(data[0] & 1)) {
        if (p0f_db_parse(&db, "fuzz.fp", (const char *)data + 1, size - 1, &e) == 0) {
            for (int d = 0; d < 2; d++)
                for (size_t i = 0; i < db.nsigs[d]; i++)
                    assert(db.sigs[d][i].label < db.nlabels);
            p0f_db_free(&db);
        }
        return 0;
    }
    static struct p0f_db small; /* harness only: parsed once per fuzzing process */
    static int ready;
    if (!ready) {
        int rc = p0f_db_parse(&small, "small", small_db, strlen(small_db), &e);
        assert(rc == 0);
        ready = 1;
    }
    struct p0f_obs o;
    if (p0f_observe(data + 1, size - 1, &o) == 0) {
        struct p0f_result r;
        p0f_match(&small, &o, &r);
        char buf[160];
        p0f_label_str(r.label, buf, sizeof buf);
    }
    return 0;
}
