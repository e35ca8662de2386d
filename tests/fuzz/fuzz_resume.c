/* libFuzzer target: the --resume file parser on arbitrary bytes. */
#include "scan/resume.h"

#include <stdint.h>
#include <stdio.h>

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
    if (resume_parse(f, "fuzz", &rf, &e) == 0)
        resume_free(&rf);
    fclose(f);
    return 0;
}
