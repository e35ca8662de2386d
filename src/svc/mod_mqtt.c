/* mod_mqtt.c — MQTT CONNECT/SUBSCRIBE and the broker's $SYS version (see mod_mqtt.h). */
#include "svc/mod_mqtt.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MQTT_TOPIC "$SYS/broker/version"

size_t sv_mqtt_request(uint8_t *out, size_t cap)
{
    static const uint8_t req[] = {
        /* CONNECT: remaining 21, "MQTT" level 4, clean session, keepalive 60, id. */
        0x10, 21, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 9, 'p', 'o', 'r', 't', 'r', 'e', 'e',
        'v', 'e',
        /* SUBSCRIBE packet 1: remaining 24, topic filter, QoS 0. */
        0x82, 24, 0, 1, 0, 19, '$', 'S', 'Y', 'S', '/', 'b', 'r', 'o', 'k', 'e', 'r', '/', 'v', 'e',
        'r', 's', 'i', 'o', 'n', 0};
    if (cap < sizeof req)
        return 0;
    memcpy(out, req, sizeof req);
    return sizeof req;
}

int sv_mqtt_parse(const uint8_t *buf, size_t len, char *ver, size_t vcap, char *err, size_t errlen)
{
    size_t off = 0;
    int first = 1;
    while (off < len) {
        uint8_t type = buf[off] >> 4;
        if (first && type != 2) {
            snprintf(err, errlen, "first packet is type %u, not CONNACK, at byte %zu", type, off);
            return -1;
        }
        size_t rem = 0, p = off + 1;
        int shift = 0;
        for (;;) { /* remaining length: 1-4 bytes, 7 bits each */
            if (p >= len)
                return 0;
            if (shift > 21) {
                snprintf(err, errlen, "remaining length over 4 bytes at byte %zu", off + 1);
                return -1;
            }
            rem |= (size_t)(buf[p] & 0x7f) << shift;
            shift += 7;
            if (!(buf[p++] & 0x80))
                break;
        }
        if (rem > len - p)
            return 0;
        if (type == 2) {
            if (rem != 2) {
                snprintf(err, errlen, "CONNACK of %zu bytes at byte %zu", rem, off);
                return -1;
            }
            if (buf[p + 1] != 0) {
                snprintf(err, errlen, "connection refused, code %u at byte %zu", buf[p + 1], p + 1);
                return -1;
            }
        } else if (type == 3) {
            if (rem < 2 || (size_t)(buf[p] << 8 | buf[p + 1]) > rem - 2) {
                snprintf(err, errlen, "PUBLISH topic runs past the packet at byte %zu", p);
                return -1;
            }
            size_t tlen = (size_t)(buf[p] << 8 | buf[p + 1]);
            size_t hdr = 2 + tlen + ((buf[off] & 0x06) ? 2 : 0); /* packet id when QoS > 0 */
            if (hdr > rem) {
                snprintf(err, errlen, "PUBLISH header runs past the packet at byte %zu", p);
                return -1;
            }
            if (tlen == sizeof MQTT_TOPIC - 1 && !memcmp(buf + p + 2, MQTT_TOPIC, tlen)) {
                size_t n = rem - hdr, k = 0;
                for (size_t i = 0; i < n && k + 1 < vcap; i++) {
                    uint8_t c = buf[p + hdr + i];
                    ver[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
                }
                if (vcap)
                    ver[k] = 0;
                return 1;
            }
        }
        first = 0;
        off = p + rem;
    }
    return 0;
}

int sv_mqtt_complete(const uint8_t *buf, size_t len)
{
    char ver[8], err[8];
    return sv_mqtt_parse(buf, len, ver, sizeof ver, err, sizeof err) != 0;
}

void sv_mqtt_apply(struct svc_info *si, const char *ver)
{
    if (!*ver)
        return;
    const char *v = strstr(ver, " version ");
    free(si->product);
    free(si->version);
    si->version = NULL;
    if (v && v > ver && v[9]) {
        si->product = pr_calloc(1, (size_t)(v - ver) + 1);
        memcpy(si->product, ver, (size_t)(v - ver));
        si->version = pr_strdup(v + 9);
    } else {
        si->product = pr_strdup(ver);
    }
}
