#!/usr/bin/python3
"""Checks the configs tests/render.yml wrote for one inventory.

usage: check_render.py DIR F ID=ADDRESS ...   (one ID=ADDRESS per host, in inventory order)

Asserts for every host's tempokv.yaml: it parses; node-id is the expected one and unique; members
list exactly the expected ids and addresses, in the same order on every host; this node's own
entry exists and its ports equal `ports`; f is F; listen is 0.0.0.0. Prints one line per host and
exits 1 on the first mismatch.
"""
import json
import os
import sys

import yaml


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    out, f = sys.argv[1], int(sys.argv[2])
    expected = [(int(a.split("=", 1)[0]), a.split("=", 1)[1]) for a in sys.argv[3:]]
    hosts = sorted(os.listdir(out))
    if len(hosts) != len(expected):
        fail(f"{len(hosts)} rendered hosts {hosts}, expected {len(expected)}")
    seen_ids, first_members = {}, None
    for h in hosts:
        with open(os.path.join(out, h, "tempokv.yaml"), encoding="utf-8") as fh:
            c = yaml.safe_load(fh)
        with open(os.path.join(out, h, "derived.json"), encoding="utf-8") as fh:
            derived = json.load(fh)
        nid = c["node-id"]
        if nid != derived["node_id"]:
            fail(f"{h}: node-id {nid} but the role derived {derived['node_id']}")
        if nid in seen_ids:
            fail(f"{h}: node-id {nid} also used by {seen_ids[nid]}")
        seen_ids[nid] = h
        members = [(m["id"], m["host"]) for m in c["members"]]
        if members != expected:
            fail(f"{h}: members {members}, expected {expected}")
        for m in c["members"]:
            if set(m) != {"id", "host", "client", "peer", "http"}:
                fail(f"{h}: member {m} lacks or adds fields")
        if first_members is None:
            first_members = c["members"]
        elif c["members"] != first_members:
            fail(f"{h}: members differ from the other hosts' list")
        own = [m for m in c["members"] if m["id"] == nid]
        if len(own) != 1:
            fail(f"{h}: node-id {nid} is not exactly once in members")
        if c["ports"] != {k: own[0][k] for k in ("client", "peer", "http")}:
            fail(f"{h}: ports {c['ports']} differ from its own entry {own[0]}")
        if c["f"] != f:
            fail(f"{h}: f {c['f']}, expected {f}")
        if c["listen"] != "0.0.0.0":
            fail(f"{h}: listen {c['listen']}")
        print(f"ok {h}: node-id {nid}, f {c['f']}, shards {c['shards']}, members {len(c['members'])}")
    if sorted(seen_ids) != sorted(i for i, _ in expected):
        fail(f"node ids {sorted(seen_ids)} do not cover {sorted(i for i, _ in expected)}")


main()
