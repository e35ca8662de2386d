/* eve.h — alerts as Suricata EVE JSON records (`detect --eve FILE`).
 *
 * One record per alert line (ALERT, UPDATE and END alike), in the form Suricata's
 * eve.json gives an alert, so that tools reading eve.json (Elastic, Wazuh, EveBox,
 * Splunk) take them unchanged: "timestamp" (2026-11-26T10:00:00.123456+0000),
 * "event_type":"alert", "src_ip", "dest_ip" (one target only), "proto" ("TCP", "UDP",
 * "ICMP", "IPv6-ICMP", "IP"), "alert" {"action" ("blocked" or "allowed"), "gid" 1,
 * "signature_id", "rev", "signature", "category", "severity"}, and the native alert
 * (det_alert_json) under "portreeve". A scan has no single port, so src_port and
 * dest_port are left out, as Suricata does for protocols without ports. The signature
 * ids are stable per (event, scan_type): det_eve_sid(). A det_sink like the others;
 * reopened on SIGHUP. */
#ifndef PR_DETECT_EVE_H
#define PR_DETECT_EVE_H

#include "core/error.h"
#include "detect/alert.h"

#include <stddef.h>
#include <stdint.h>

#define DET_EVE_SID_BASE 9100000u /* portreeve's range: 9100000 .. 9109999 */

/* The signature id of an (event, scan_type): BASE + 100 × event number + scan-type
 * number (tables in docs/detect.md; unknown words count as 99). */
uint32_t det_eve_sid(const char *event, const char *scan_type);

/* The EVE record of an alert as one line of JSON (caller frees); NULL on allocation
 * failure. */
char *det_eve_json(const struct det_alert *a);

/* EVE records appended to path ("-" for stdout). */
int det_sink_eve(const char *path, struct det_sink *out, struct pr_error *e);

#endif
