/* privs.c — see privs.h (libcap-ng). */
#include "core/privs.h"

#include <cap-ng.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

/* capabilities kept in the effective and permitted sets of the next apply */
static void select_caps(const int *keep)
{
    capng_get_caps_process();
    capng_clear(CAPNG_SELECT_BOTH);
    for (const int *k = keep; k && *k >= 0; k++)
        capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)*k);
}

/* no-new-privs, then: nothing beyond what was asked for is left */
static int finish_and_verify(const int *keep, struct pr_error *e)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return pr_errf(e, "cannot set no-new-privs");
    capng_get_caps_process();
    for (unsigned c = 0; c <= CAP_LAST_CAP; c++) {
        if (!capng_have_capability(CAPNG_EFFECTIVE, c) &&
            !capng_have_capability(CAPNG_PERMITTED, c))
            continue;
        int wanted = 0;
        for (const int *k = keep; k && *k >= 0; k++)
            wanted |= (unsigned)*k == c;
        if (!wanted)
            return pr_errf(e, "capability %u is still held after the drop", c);
    }
    return 0;
}

int privs_drop(const int *keep, struct pr_error *e)
{
    select_caps(keep);
    if (capng_apply(CAPNG_SELECT_BOTH) < 0)
        return pr_errf(e, "cannot drop capabilities");
    return finish_and_verify(keep, e);
}

int privs_drop_user(const char *user, const int *keep, struct pr_error *e)
{
    if (geteuid() != 0)
        return privs_drop(keep, e);
    const char *name = user ? user : PRIVS_USER;
    const struct passwd *pw = getpwnam(name);
    if (!pw && !user) {
        name = PRIVS_FALLBACK_USER;
        pw = getpwnam(name);
    }
    if (!pw)
        return pr_errf(e, "no account named '%s'%s", name, user ? " (--user)" : "");
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0)
        return privs_drop(keep, e);
    if (gid == 0)
        return pr_errf(e, "the account '%s' has group 0: choose another with --user", name);
    select_caps(keep);
    /* initgroups, setresgid, setresuid with the kept capabilities carried over, and an
     * empty bounding set */
    if (capng_change_id((int)uid, (int)gid, CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_BOUNDING) < 0)
        return pr_errf(e, "cannot switch to the account '%s' (uid %u)", name, (unsigned)uid);
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid || eu != uid ||
        su != uid || rg != gid || eg != gid || sg != gid)
        return pr_errf(e, "the switch to '%s' did not take effect", name);
    /* the switch must be permanent */
    if (setuid(0) == 0 || seteuid(0) == 0)
        return pr_errf(e, "uid 0 can still be regained after switching to '%s'", name);
    if (setgid(0) == 0 || setegid(0) == 0)
        return pr_errf(e, "gid 0 can still be regained after switching to '%s'", name);
    return finish_and_verify(keep, e);
}
