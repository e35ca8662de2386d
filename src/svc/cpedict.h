/* cpedict.h — CPE vendor/product aliases from NVD's CPE dictionary (--cpe-dict FILE).
 *
 * NVD renames vendors and products (nmap's probe file says igor_sysoev:nginx, NVD's newer
 * CVE entries say f5:nginx) and records the rename as deprecation data in its CPE
 * dictionary. This module reads the official CPE 2.3 dictionary XML, streamed (<cpe-item
 * deprecated_by=...> and <cpe-23:deprecated-by name=...> under <cpe-23:cpe23-item>), and
 * the JSON of NVD's CPE API 2.0 and of its CPE feed chunks (products[].cpe.cpeName with
 * deprecatedBy[]/deprecates[]), one file or a directory of them. It keeps only the pairs of
 * part:vendor:product that differ, so a dictionary of hundreds of MB costs memory only for
 * its renames, and follows chains of renames (a -> b -> c makes a and c aliases). svc/cve.c
 * then matches a service's CPE also under each alias. Read-only after loading. */
#ifndef PR_SVC_CPEDICT_H
#define PR_SVC_CPEDICT_H

#include "core/error.h"

#include <stddef.h>

struct cpedict;

/* Loads the dictionary at path: an XML or JSON file (told apart by its first byte), or a
 * directory whose *.xml and *.json files are all read. Returns NULL with e naming the file
 * and the line (XML, JSON syntax) or product at fault (unterminated or over-long tag, no
 * cpe-list element or products array, over CPEDICT_MAX_PAIRS renames). */
struct cpedict *cpedict_load(const char *path, struct pr_error *e);
/* The same from one file's bytes in memory (tests, fuzzing). */
struct cpedict *cpedict_parse(const char *text, size_t len, const char *name, struct pr_error *e);
void cpedict_free(struct cpedict *d);

#define CPEDICT_MAX_PAIRS 2000000
#define CPEDICT_KEY 200            /* longest "part:vendor:product" kept */
#define CPEDICT_MAX_CHAIN 16       /* keys linked through renames (a -> b -> c ...) */
#define CPEDICT_JSON_MAX (1 << 30) /* largest JSON file read whole (NVD's chunks are smaller) */

/* Number of distinct alias pairs (each rename counted once). */
size_t cpedict_count(const struct cpedict *d);

/* The aliases of key ("a:igor_sysoev:nginx", lower case), in both directions of a rename:
 * returns the i-th one (i from 0), or NULL past the last. */
const char *cpedict_alias(const struct cpedict *d, const char *key, size_t i);

#endif
