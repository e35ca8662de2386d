/* libFuzzer target: the --resume file parser on arbitrary bytes, then resume_check()
 * of what it accepts against a fixed plan (3 hosts, 100 TCP ports, groups of 2), so
 * that any group, technique and position a file can hold is judged without a crash. */
#include "scan/resume.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    struct resume_file rf;
    struct pr_error e;
    if (resume_parse(f, "fuzz", &rf, &e) == 0) {
        struct scan_config cfg;
        memset(&cfg, 0, sizeof cfg);
        tgt_init(&cfg.targets, AF_INET);
        cfg.targets.no_resolve = true;
        uint16_t ports[100];
        for (int i = 0; i < 100; i++)
            ports[i] = (uint16_t)(i + 1);
        cfg.ports.p[PR_TCP] = ports;
        cfg.ports.n[PR_TCP] = 100;
        cfg.techniques[0] = "syn";
        cfg.techniques[1] = "udp";
        cfg.ntech = 2;
        cfg.max_hostgroup = 2;
        cfg.key = rf.key;
        if (tgt_add(&cfg.targets, "198.18.0.1-3", "fuzz", &e) == 0 &&
            tgt_finish(&cfg.targets, &e) == 0) {
            rf.plan = resume_plan(&cfg); /* reach the range checks */
            (void)resume_check(&rf, "fuzz", &cfg, &e);
        }
        tgt_free(&cfg.targets);
        resume_free(&rf);
    }
    fclose(f);
    return 0;
}
