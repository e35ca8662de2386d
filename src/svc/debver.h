/* debver.h — Debian package version comparison (dpkg's algorithm, deb-version(7)).
 *
 * A version is [epoch:]upstream[-revision]: the epoch compares as a number, then
 * upstream and revision each by alternating runs of non-digits (letters before other
 * characters, '~' before everything, even the end) and of digits (numerically). Used by
 * svc/distfeed.c to tell whether an installed package is older than a fixed one. */
#ifndef PR_SVC_DEBVER_H
#define PR_SVC_DEBVER_H

/* Returns <0, 0 or >0 as a is older than, equal to or newer than b ("1.0~rc1" < "1.0",
 * "1:1.0" > "2.0", "9.2p1-2+deb12u3" > "9.2p1-2+deb12u2"). Total on any string: text that is
 * not a valid version still compares by the same rules, an epoch that is not a number
 * counts as part of the upstream version. */
int debver_cmp(const char *a, const char *b);

/* 1 when v is a well-formed Debian version: optional numeric epoch, an upstream version
 * starting with a digit, characters from [A-Za-z0-9.+~-] (':' only after an epoch), an
 * optional non-empty revision after the last '-'. */
int debver_valid(const char *v);

#endif
