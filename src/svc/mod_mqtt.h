/* mod_mqtt.h — MQTT broker version, as nmap's mqtt-subscribe script does with -sV.
 *
 * On a port the probe file names mqtt: CONNECT (MQTT 3.1.1, clean session, client id
 * "portreeve") and at once SUBSCRIBE to $SYS/broker/version; brokers that publish it
 * (mosquitto: "mosquitto version 2.0.11", retained) answer with a PUBLISH. nmap puts that
 * whole string in the service name; portreeve keeps name "mqtt" and splits it into
 * product "mosquitto" and version "2.0.11" (a string without " version " becomes the
 * product). A broker that refuses anonymous clients (CONNACK code != 0) gives nothing. */
#ifndef PR_SVC_MOD_MQTT_H
#define PR_SVC_MOD_MQTT_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

/* Writes CONNECT and SUBSCRIBE to out. Returns the length, or 0 when cap is too small. */
size_t sv_mqtt_request(uint8_t *out, size_t cap);

/* Reads the broker's packets buf[0..len). Returns 1 with the $SYS/broker/version payload
 * in ver (NUL-terminated, cut to vcap), 0 when it has not come yet (all packets whole and
 * well formed so far), -1 with err naming the problem and its byte offset (malformed,
 * refused, not MQTT). */
int sv_mqtt_parse(const uint8_t *buf, size_t len, char *ver, size_t vcap, char *err, size_t errlen);

/* 1 when buf holds the answer or an error (sv_mqtt_parse != 0): an sv_complete_fn. */
int sv_mqtt_complete(const uint8_t *buf, size_t len);

/* Sets si's product and version from the broker's version string. */
void sv_mqtt_apply(struct svc_info *si, const char *ver);

#endif
