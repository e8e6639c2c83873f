#!/bin/sh
# The status writer's output against packaging/status.schema.json (JSON Schema
# draft 2020-12, python3-jsonschema), and the schema's strictness: documents
# that break one rule each must be refused by the schema, and by gatewayctl's
# reader too. Skips (77) only when python3 or its jsonschema module is absent.
set -eu
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || { echo "SKIP: no $PYTHON"; exit 77; }
"$PYTHON" -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3-jsonschema is not installed"; exit 77; }

sample=$top_builddir/tests/unit/status-sample
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for kind in full all-up reasons escaping empty; do
        "$sample" "$kind" >"$work/$kind.json"
done
"$sample" tunnel azure-weu >"$work/tunnel-up.json"
"$sample" tunnel branch-b >"$work/tunnel-down.json"
cp "$top_srcdir/tests/unit/status/full.json" "$work/checked-in.json"

exec "$PYTHON" - "$top_srcdir/packaging/status.schema.json" "$work" "$top_builddir/gatewayd/gatewayctl" <<'EOF'
import copy, json, os, subprocess, sys
from jsonschema import Draft202012Validator

schema_path, work, gatewayctl = sys.argv[1:]
with open(schema_path) as f:
    schema = json.load(f)
Draft202012Validator.check_schema(schema)
document = Draft202012Validator(schema)
tunnel = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/tunnel"})
failed = 0

def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)

def errors(validator, doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]

def reader_refuses(doc):
    path = os.path.join(work, "mutated.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    r = subprocess.run([gatewayctl, "status", "--status-file", path], capture_output=True, text=True)
    return r.returncode == 1 and "malformed status file" in r.stderr

# What the writer makes is valid.
for name in ["full", "all-up", "reasons", "escaping", "empty", "checked-in"]:
    e = errors(document, load(name + ".json"))
    if e:
        failed += 1
        print(f"FAIL: {name}.json is refused by the schema:\n  " + "\n  ".join(e))
for name in ["tunnel-up", "tunnel-down"]:
    e = errors(tunnel, load(name + ".json"))
    if e:
        failed += 1
        print(f"FAIL: {name}.json is not a tunnel of the schema:\n  " + "\n  ".join(e))
# Every reason the writer knows is one the schema knows (reasons.json has one
# tunnel per reason): checked above; and there is more than one.
assert len(load("reasons.json")["tunnels"]) > 8

# Mutations of full.json, each breaking one rule.
full = load("full.json")
mutations = []

def objects(doc):
    """(path, object, required keys) of every object the schema closes."""
    yield ("", doc, ["version", "generated_at", "gateway", "tunnels"])
    yield ("gateway", doc["gateway"], list(doc["gateway"]))
    for i, t in enumerate(doc["tunnels"]):
        yield (f"tunnels[{i}]", t, [k for k in t if k != "certificate"])
        if t["ike"]:
            yield (f"tunnels[{i}].ike", t["ike"], list(t["ike"]))
        if "certificate" in t:
            yield (f"tunnels[{i}].certificate", t["certificate"], list(t["certificate"]))
        for j, c in enumerate(t["children"]):
            yield (f"tunnels[{i}].children[{j}]", c, list(c))

for where, obj, required in list(objects(full)):
    for key in required:
        def drop(doc, where=where, key=key):
            del lookup(doc, where)[key]
        mutations.append((f"{where} without {key}", drop))
    def extra(doc, where=where):
        lookup(doc, where)["unexpected"] = 1
    mutations.append((f"{where} with an unknown key", extra))

def lookup(doc, where):
    obj = doc
    for part in where.replace("]", "").replace("[", ".").split("."):
        if part:
            obj = obj[int(part)] if part.isdigit() else obj[part]
    return obj

def setter(where, key, value):
    def f(doc):
        lookup(doc, where)[key] = value
    return f

values = [
    ("", "version", 2), ("", "version", "1"), ("", "version", 1.5),
    ("", "generated_at", None), ("", "generated_at", "2024-05-01 12:00:00"),
    ("", "generated_at", "2024-05-01T12:00:00+02:00"), ("", "generated_at", "2024-05-01T12:00:00.5Z"),
    ("", "generated_at", 1714564800), ("", "tunnels", {}),
    ("gateway", "fips_mode", "yes"), ("gateway", "data_plane", "dpdk"), ("gateway", "vici", 7),
    ("gateway", "charon_connected", None), ("gateway", "health_interval_sec", 0),
    ("gateway", "health_interval_sec", 3601), ("gateway", "health_interval_sec", 10.5),
    ("tunnels[0]", "name", "a b"), ("tunnels[0]", "name", ""), ("tunnels[0]", "name", "x" * 65),
    ("tunnels[0]", "name", None), ("tunnels[0]", "state", "upp"), ("tunnels[0]", "state", "UP"),
    ("tunnels[0]", "state", None), ("tunnels[0]", "since", "yesterday"), ("tunnels[0]", "since", 0),
    ("tunnels[0]", "local_address", 1), ("tunnels[0]", "remote_address", ["192.0.2.1"]),
    ("tunnels[0]", "profile", "x" * 5000), ("tunnels[0]", "ike", {}), ("tunnels[0]", "ike", "none"),
    ("tunnels[0]", "children", None), ("tunnels[0]", "children", [1]),
    ("tunnels[0]", "shield", "on"), ("tunnels[0]", "shield", None),
    ("tunnels[0]", "last_error", "dpd"), ("tunnels[0]", "last_error", "dpd-timeout:x"),
    ("tunnels[0]", "last_error", "dpd-timeout: "), ("tunnels[0]", "last_error", "DPD-timeout"),
    ("tunnels[0]", "last_error", {"reason": "dpd-timeout"}), ("tunnels[0]", "certificate", None),
    ("tunnels[0].ike", "proposal", None), ("tunnels[0].ike", "established_at", "now"),
    ("tunnels[0].children[0]", "name", ""), ("tunnels[0].children[0]", "local_ts", "10.1.0.0/16"),
    ("tunnels[0].children[0]", "remote_ts", [1]), ("tunnels[0].children[0]", "proposal", None),
    ("tunnels[0].children[0]", "bytes_in", -1), ("tunnels[0].children[0]", "bytes_in", 1.5),
    ("tunnels[0].children[0]", "bytes_in", "1"), ("tunnels[0].children[0]", "bytes_out", 2**64 - 1),
    ("tunnels[0].children[0]", "packets_in", 2**64), ("tunnels[0].children[0]", "packets_out", True),
    ("tunnels[3].certificate", "not_after", None), ("tunnels[3].certificate", "days_left", "11"),
    ("tunnels[3].certificate", "days_left", 10**7),
]
for where, key, value in values:
    mutations.append((f"{where or 'document'}.{key} = {json.dumps(value)[:40]}", setter(where, key, value)))
mutations.append(("too many child SAs", lambda d: d["tunnels"][0]["children"].extend(
    [copy.deepcopy(d["tunnels"][0]["children"][0]) for _ in range(32)])))
mutations.append(("too many traffic selectors", lambda d: d["tunnels"][0]["children"][0]["local_ts"].extend(
    ["10.0.0.0/8"] * 256)))
mutations.append(("the document is an array", None))

for what, mutate in mutations:
    doc = copy.deepcopy(full)
    if mutate:
        mutate(doc)
    else:
        doc = [doc]
    if not errors(document, doc):
        failed += 1
        print(f"FAIL: the schema accepts {what}")
    if not reader_refuses(doc):
        failed += 1
        print(f"FAIL: gatewayctl's reader accepts {what}")

# The reader accepts the valid ones (0: all up, 3: some not up or stale).
for name in ["full", "all-up", "reasons", "escaping", "empty"]:
    r = subprocess.run([gatewayctl, "status", "--status-file", os.path.join(work, name + ".json")],
                       capture_output=True, text=True)
    if r.returncode not in (0, 3):
        failed += 1
        print(f"FAIL: gatewayctl status refuses {name}.json (exit {r.returncode}): {r.stderr.strip()}")

print(f"{len(mutations)} mutations checked against the schema and the reader")
sys.exit(1 if failed else 0)
EOF
