# Empties tempokv's data directory and makes the data and log directories, owned by OWNER when
# that user exists. Run by the Jepsen suite on each node (tempokv.db/fresh-data-dirs!, as
# `sh -c "$(cat fresh-dirs.sh)" fresh-dirs DATA LOG OWNER`) at teardown and again at set-up, and
# by the Maven build's systest on the test nodes (PackageOnTestNodesTest), so the steps the suite
# takes are the steps that are tested.
#   OWNER "-": leave the owner alone (the tarball's server runs as root).
#   OWNER a user that does not exist yet (fresh nodes: the package, which makes it, is installed
#   after the first teardown): the directories stay root's; the set-up calls this again.
# -R: a log file root made earlier (or an older suite's teardown) kept the packaged service, which
# runs as OWNER, from writing its log, and it exited at start-up.
set -eu
data=$1
log=$2
owner=$3
rm -rf "$data"
mkdir -p "$data" "$log"
if [ "$owner" != "-" ] && id -u "$owner" >/dev/null 2>&1; then
  chown -R "$owner:$owner" "$data" "$log"
  chmod 0750 "$data" "$log"
fi
