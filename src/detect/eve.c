/* eve.c — see eve.h. */
#include "detect/eve.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The numbers of the signature ids: never reorder, only append. */
static const char *const eve_events[] = {"portscan",       "portsweep",      "distributed_portscan",
                                         "decoy_portscan", "hostsweep",      "outbound_sweep",
                                         "new_service",    "lateral_fanout", "scan_then_connect"};
static const char *const eve_types[] = {"connect", "syn",    "fin",    "null", "xmas",  "udp",
                                        "ack",     "maimon", "window", "icmp", "mixed", "ipproto"};

static uint32_t word_number(const char *w, const char *const *list, size_t n)
{
    for (size_t i = 0; w && i < n; i++)
        if (strcmp(w, list[i]) == 0)
            return (uint32_t)i + 1;
    return 99;
}

uint32_t det_eve_sid(const char *event, const char *scan_type)
{
    uint32_t ev = word_number(event, eve_events, sizeof eve_events / sizeof eve_events[0]);
    uint32_t ty = word_number(scan_type, eve_types, sizeof eve_types / sizeof eve_types[0]);
    return DET_EVE_SID_BASE + 100 * ev + ty;
}

/* Suricata's timestamp: local time with microseconds and offset; ours is UTC. */
static void eve_time(uint64_t ts_us, char *buf, size_t len)
{
    time_t s = (time_t)(ts_us / 1000000u);
    struct tm tm;
    char base[32];
    if (!gmtime_r(&s, &tm) || !strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm)) {
        snprintf(buf, len, "1970-01-01T00:00:00.000000+0000");
        return;
    }
    snprintf(buf, len, "%s.%06u+0000", base, (unsigned)(ts_us % 1000000u));
}

static const char *eve_proto(const struct det_alert *a)
{
    const char *t = a->scan_type ? a->scan_type : "";
    if (!strcmp(t, "udp"))
        return "UDP";
    if (!strcmp(t, "icmp"))
        return a->src.family == AF_INET6 ? "IPv6-ICMP" : "ICMP";
    if (!strcmp(t, "ipproto"))
        return "IP"; /* many protocols: no one name fits */
    return "TCP";
}

char *det_eve_json(const struct det_alert *a)
{
    char *native = det_alert_json(a);
    json_t *nat = native ? json_loads(native, 0, NULL) : NULL;
    free(native);
    json_t *o = json_object(), *al = json_object();
    if (!nat || !o || !al) {
        json_decref(nat);
        json_decref(o);
        json_decref(al);
        return NULL;
    }
    char ts[48], buf[PR_ADDRSTRLEN], sig[160];
    eve_time(a->ts_us, ts, sizeof ts);
    json_object_set_new(o, "timestamp", json_string(ts));
    json_object_set_new(o, "event_type", json_string("alert"));
    if (a->has_src)
        json_object_set_new(o, "src_ip", json_string(addr_str(&a->src, buf, sizeof buf)));
    if (a->has_dst)
        json_object_set_new(o, "dest_ip", json_string(addr_str(&a->dst, buf, sizeof buf)));
    json_object_set_new(o, "proto", json_string(eve_proto(a)));
    int blocked = a->action && !strcmp(a->action, "blocked");
    json_object_set_new(al, "action", json_string(blocked ? "blocked" : "allowed"));
    json_object_set_new(al, "gid", json_integer(1));
    json_object_set_new(al, "signature_id", json_integer(det_eve_sid(a->event, a->scan_type)));
    json_object_set_new(al, "rev", json_integer(1));
    snprintf(sig, sizeof sig, "PORTREEVE SCAN %s %s", a->event ? a->event : "?",
             a->scan_type ? a->scan_type : "?");
    json_object_set_new(al, "signature", json_string(sig));
    /* Suricata's classification of classtype attempted-recon (priority 2) */
    json_object_set_new(al, "category", json_string("Attempted Information Leak"));
    json_object_set_new(al, "severity", json_integer(2));
    json_object_set_new(o, "alert", al);
    json_object_set_new(o, "portreeve", nat);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

int det_sink_eve(const char *path, struct det_sink *out, struct pr_error *e)
{
    return det_sink_lines(path, "EVE file", det_eve_json, out, e);
}
