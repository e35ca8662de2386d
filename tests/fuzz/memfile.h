/* memfile.h — for fuzz targets whose parser takes a path: the input as an anonymous
 * in-memory file (memfd), named by /proc/self/fd/N. */
#ifndef PR_FUZZ_MEMFILE_H
#define PR_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes size bytes of data into a new memfd and its path into path (64 bytes are
 * enough). Returns the descriptor (close it when the parser is done); aborts on failure. */
static inline int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t plen)
{
    int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    snprintf(path, plen, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
