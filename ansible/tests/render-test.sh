#!/usr/bin/env bash
# Renders the tempokv role's node config and JVM options for several inventories with
# connection=local into a temporary directory, and checks the outcome:
#  - 3- and 5-node inventories (the examples, one shaped like the test nodes' generated one, one
#    with every per-host override): node ids unique and as expected, members complete and equal
#    on every node, f, ports; every file is then loaded by the node's own config loader
#    (server/src/main/java/.../ConfigLoader.java), which must accept it;
#  - inventories and variables the role must refuse (2 members, duplicate ids, shared address,
#    f too large, a non-number shard count, an unknown package source, a shard count set on one
#    host only, a missing .deb), each with its message.
# Nothing is installed and no host is contacted: the play only asserts and writes files under
# the temporary directory. Needs ansible-core (apt-get install ansible-core) and Java 17; the
# server jar is built first if missing (RENDER_TEST_SKIP_JAVA=1 skips the loader check).
# Exit 0 when every case passed; the last line reads "N passed, M failed".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ansible_dir="$(dirname "$here")"
repo="$(dirname "$ansible_dir")"
export ANSIBLE_CONFIG="$ansible_dir/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
cd "$ansible_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -f "$work/$1.log" ] && sed 's/^/    /' "$work/$1.log" | tail -25; return 0; }

# render NAME INVENTORY [ansible-playbook args...]: renders into $work/NAME, log in $work/NAME.log.
render() {
  local name="$1" inv="$2"
  shift 2
  ansible-playbook -i "$inv" tests/render.yml -c local -e ansible_become=false \
    -e render_dir="$work/$name" "$@" >"$work/$name.log" 2>&1
}

# accept NAME INVENTORY F "ID=ADDRESS ..." [ansible-playbook args...]
accept() {
  local name="$1" inv="$2" f="$3" expected="$4"
  shift 4
  if ! render "$name" "$inv" "$@"; then
    fail "$name"
    return 0
  fi
  # shellcheck disable=SC2086 # expected is a list of ID=ADDRESS words
  if "$here/check_render.py" "$work/$name" "$f" $expected >"$work/$name.check" 2>&1; then
    sed 's/^/    /' "$work/$name.check"
    pass "$name"
  else
    cat "$work/$name.check" >>"$work/$name.log"
    fail "$name"
  fi
}

# refuse NAME INVENTORY MESSAGE [ansible-playbook args...]: the play must fail with MESSAGE.
refuse() {
  local name="$1" inv="$2" message="$3"
  shift 3
  if render "$name" "$inv" "$@"; then
    echo "    the play succeeded but should have refused" >>"$work/$name.log"
    fail "$name"
  elif tr '\n' ' ' <"$work/$name.log" | tr -s ' ' | grep -qF -- "$message"; then
    # (newlines and runs of blanks folded: the yaml callback wraps long messages)
    echo "    refused: $message ..."
    pass "$name"
  else
    echo "    the play failed without the expected message: $message" >>"$work/$name.log"
    fail "$name"
  fi
}

# contains NAME FILE TEXT: FILE (under $work) must contain the line TEXT.
contains() {
  if grep -qxF -- "$3" "$work/$2"; then
    pass "$1"
  else
    echo "    $2 lacks the line: $3" >"$work/$1.log"
    sed 's/^/    | /' "$work/$2" >>"$work/$1.log"
    fail "$1"
  fi
}

echo "== configs that must render"
accept example-3 inventories/example-3/hosts.yml 1 "1=192.0.2.11 2=192.0.2.12 3=192.0.2.13"
accept example-5 inventories/example-5/hosts.yml 2 \
  "1=10.10.0.21 2=10.10.0.22 3=10.10.0.23 4=10.10.0.24 5=10.10.0.25"
accept testbed-5 tests/inventories/testbed-5.yml 2 \
  "1=10.77.0.11 2=10.77.0.12 3=10.77.0.13 4=10.77.0.14 5=10.77.0.15"
accept testbed-5-f1 tests/inventories/testbed-5.yml 1 \
  "1=10.77.0.11 2=10.77.0.12 3=10.77.0.13 4=10.77.0.14 5=10.77.0.15" -e tempokv_f=1
accept custom-3 tests/inventories/custom-3.yml 1 "30=alpha.internal 10=2001:db8::10 20=10.1.2.3" \
  -e tempokv_group=kvstore

echo "== rendered details"
contains example-3-jvm-opts example-3/kv1/default 'TEMPOKV_JAVA_OPTS="-Xms2g -Xmx2g -XX:+ExitOnOutOfMemoryError"'
contains custom-3-jvm-opts custom-3/alpha/default 'TEMPOKV_JAVA_OPTS="-Xms512m -Xmx512m -XX:+ExitOnOutOfMemoryError"'
contains custom-3-env-quoted custom-3/alpha/default "TEMPOKV_EXTRA='a b'"
contains custom-3-limits custom-3/beta/tempokv.yaml '  value-bytes: 65536'
contains custom-3-fsync custom-3/beta/tempokv.yaml 'fsync: false'
contains custom-3-ports custom-3/beta/tempokv.yaml 'ports: {client: 8400, peer: 7500, http: 7600}'
contains custom-3-cluster-id-text custom-3/gamma/tempokv.yaml 'cluster-id: "1.5"'

echo "== the node's own config loader"
if [ "${RENDER_TEST_SKIP_JAVA:-0}" = 1 ]; then
  echo "SKIP loader check (RENDER_TEST_SKIP_JAVA=1)"
else
  jar="$repo/server/target/tempokv-server.jar"
  if [ ! -f "$jar" ]; then
    echo "building the server jar (mvn -DskipTests install) ..."
    (cd "$repo" && mvn -q -B -DskipTests install) >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  fi
  if java -cp "$jar:$repo/server/target/lib/*" "$here/ConfigCheck.java" "$work"/*/*/tempokv.yaml \
      >"$work/loader.log" 2>&1; then
    sed 's/^/    /' "$work/loader.log"
    pass loader-accepts-every-config
  else
    cp "$work/loader.log" "$work/loader-accepts-every-config.log"
    fail loader-accepts-every-config
  fi
fi

echo "== inventories and variables that must be refused"
refuse two-members tests/inventories/two.yml "2 members never work"
refuse duplicate-ids tests/inventories/dup-ids.yml "node ids must be distinct"
refuse shared-address tests/inventories/shared-address.yml "two members share a host:port"
refuse f-too-large inventories/example-3/hosts.yml "tempo needs 2f+1" -e tempokv_f=2
refuse shards-not-a-number inventories/example-3/hosts.yml "argument 'tempokv_shards' is of type" \
  -e tempokv_shards=two
refuse unknown-source inventories/example-3/hosts.yml "value of tempokv_install_from must be one of: deb, repo" \
  -e tempokv_install_from=tarball
refuse per-host-shards tests/inventories/mixed-shards.yml "tempokv_shards must be the same on every member"
refuse missing-deb inventories/example-3/hosts.yml "is not a file on the controller" \
  -e tempokv_install_from=deb -e tempokv_deb_file=/nonexistent/tempokv_0.0.0_all.deb

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
