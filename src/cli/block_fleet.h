/* block_fleet.h — the operator's view of the fleet's block decisions in the history
 * database (audit/blockstore.h): `portreeve block --db URI list [--all] [--json]` and
 * `portreeve block --db URI unblock ADDR|CIDR|--id N [--reason TEXT]` (a fleet-wide
 * revocation that every `block --sync` host applies within a second). */
#ifndef PR_CLI_BLOCK_FLEET_H
#define PR_CLI_BLOCK_FLEET_H

/* argv[1] is "--db", argv[2] the URI, argv[3] the action. Returns the exit code:
 * 0 done, 1 nothing in force matched an unblock, 2 usage error, 3 database failure. */
int block_fleet(int argc, char **argv);

/* Database text for a message: bytes outside printable ASCII become '?' in place. */
const char *block_clean(char *s);

#endif
