#!/usr/bin/python3
"""ips_alerts.py — reads what the IPS lab tests (t_ips_*.sh) need from detect's JSON alerts and
from nftables' listing of the block set.

  ips_alerts.py summary ALERTS.json ADDR
      one line of key=value about the alert lines whose src_ip is ADDR:
      lines (how many), blocked (how many with action "blocked"), first_seen (the earliest
      first_seen, epoch seconds), blocked_ts (ts of the first "blocked" line, epoch),
      evidence (block_evidence of that line, or of the last line that has one, as JSON without
      spaces), actions (the set),
      members (lines where ADDR is only in src_ips, not src_ip); "-" where there is none.
  ips_alerts.py inserted NOW < nft-list-set-output
      "ADDR EPOCH" per element of `nft list set ...`: when it was added, from its timeout and
      what is left of it (expires) at the time NOW (epoch seconds) the listing was made.
Exit 2 with a message naming the file and line on input it cannot read.
"""
import datetime
import json
import re
import sys


def epoch(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def summary(path, addr):
    lines = blocked = members = 0
    first_seen = blocked_ts = None
    evidence = last_evidence = None
    actions = set()
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            try:
                a = json.loads(raw)
            except ValueError as e:
                sys.exit("%s:%d: not JSON: %s" % (path, n, e))
            if a.get("src_ip") != addr:
                if addr in (a.get("src_ips") or []):
                    members += 1
                continue
            lines += 1
            actions.add(a.get("action"))
            fs = epoch(a["first_seen"])
            first_seen = fs if first_seen is None else min(first_seen, fs)
            if "block_evidence" in a:
                last_evidence = a["block_evidence"]
            if a.get("action") == "blocked":
                blocked += 1
                if blocked_ts is None:
                    blocked_ts = epoch(a["ts"])
                    evidence = a.get("block_evidence", "-")
    if evidence is None:
        evidence = last_evidence if last_evidence is not None else "-"
    out = {
        "lines": lines, "blocked": blocked, "members": members,
        "first_seen": "%.6f" % first_seen if first_seen is not None else "-",
        "blocked_ts": "%.6f" % blocked_ts if blocked_ts is not None else "-",
        "actions": ",".join(sorted(str(x) for x in actions)) or "-",
        "evidence": "-" if evidence == "-" else json.dumps(evidence, separators=(",", ":")),
    }
    print(" ".join("%s=%s" % (k, v) for k, v in out.items()))


UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


def seconds(text):
    parts = re.findall(r"(\d+)(ms|d|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        sys.exit("nft listing: cannot read the duration %r" % text)
    return sum(int(n) * UNITS[u] for n, u in parts)


def inserted(now):
    text = sys.stdin.read()
    for m in re.finditer(r"([0-9a-fA-F.:]+) timeout (\S+) expires ([0-9a-z]+)", text):
        print(m.group(1), "%.3f" % (now - (seconds(m.group(2)) - seconds(m.group(3)))))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "summary":
        summary(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "inserted":
        inserted(float(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
