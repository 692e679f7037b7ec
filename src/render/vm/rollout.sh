#!/usr/bin/env bash
# aspire-arm rollout: the one entry point of every delivery of a release bundle to this VM, in its
# user data (with release.py, and cloud-http.py on AWS). It receives the release; the release's own
# scripts apply it.
#   rollout.sh s3 BUCKET KEY ID   AWS: what Systems Manager Run Command (AWS-RunShellScript) runs
#                                 as root; downloads s3://BUCKET/KEY with the VM's role
#                                 (cloud-http.py fetch-s3)
#   rollout.sh file PATH [ID]     a bundle already on the VM (the GCP agent, gce-agent.py, the
#                                 bootstrap's file source, and the emulated-VM tests)
# then `release.py unpack` (checks the bundle, and that its release id is ID when given) and hands
# over to the release: `$STATE/releases/ID/bin/rollout-apply.sh ID`, whose output and exit code are
# the rollout's. What applies a release (rollout-apply.sh, apply.sh and their tools) comes with
# it, so an upgrade of them is a rollout, never a new VM; what is here stays as small and stable as
# the bundle format. The arguments are checked against their shapes before anything runs. First
# waits until the bootstrap has finished ($STATE/bootstrapped, written at its end), so that a
# command reaching a new VM while cloud-init still runs waits for it instead of racing it.
# Test hooks: ASPIRE_ETC (/etc/aspire-arm), ASPIRE_STATE (/var/lib/aspire-arm), ASPIRE_BOOT_WAIT
# (1200 s).
set -euo pipefail

ETC="${ASPIRE_ETC:-/etc/aspire-arm}"
STATE="${ASPIRE_STATE:-/var/lib/aspire-arm}"
BOOT_WAIT="${ASPIRE_BOOT_WAIT:-1200}"
LIB="$(dirname "$0")"
ROLLOUTS="$STATE/rollouts"

log() { printf 'aspire-arm: rollout: %s\n' "$*"; }
die() { printf 'aspire-arm: rollout: error: %s\n' "$*" >&2; exit 1; }
usage() {
  printf 'aspire-arm: rollout: %s\nusage: rollout.sh s3 BUCKET KEY ID | rollout.sh file PATH [ID]\n' "$*" >&2
  exit 2
}
id_ok() { [[ $1 =~ ^[0-9a-f]{16}$ ]] || usage "release id '$1' is not 16 lowercase hex digits"; }

id=
case "${1:-} $#" in
  's3 4')
    bucket="$2" key="$3" id="$4"
    [[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || usage "bucket '$bucket' is not an S3 bucket name"
    [[ $key =~ ^[a-z0-9][a-z0-9-]*/[0-9a-f]{16,64}\.json\.gz$ ]] || usage "key '$key' is not <vm>/<hex>.json.gz"
    id_ok "$id" ;;
  'file 2' | 'file 3')
    bundle="$2" id="${3:-}"
    [ -f "$bundle" ] || usage "$bundle is not a file"
    [ -z "$id" ] || id_ok "$id" ;;
  *) usage "unexpected arguments: $*" ;;
esac

# The bootstrap's marker: cloud-init's write_files and runcmd have run, Docker and the agent's
# files are there.
if [ ! -e "$STATE/bootstrapped" ]; then
  log "waiting up to $BOOT_WAIT s for the bootstrap to finish ($STATE/bootstrapped)"
  # Seconds slept, not $SECONDS: that counts whole seconds of the clock since bash started, so it
  # could give up to a second early.
  waited=0
  until [ -e "$STATE/bootstrapped" ]; do
    [ "$waited" -lt "$BOOT_WAIT" ] || die "the bootstrap has not finished after $BOOT_WAIT s ($STATE/bootstrapped is missing): see /var/log/cloud-init-output.log"
    sleep 1
    waited=$((waited + 1))
  done
fi

umask 077
mkdir -p "$ROLLOUTS"
tmp="$(mktemp -d "$ROLLOUTS/.tmp-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

if [ "$1" = s3 ]; then
  log "downloading s3://$bucket/$key"
  bundle="$tmp/bundle.json.gz"
  python3 "$LIB/cloud-http.py" fetch-s3 --bucket "$bucket" --key "$key" --out "$bundle" --vm-env "$ETC/vm.env"
fi
id="$(python3 "$LIB/release.py" unpack --bundle "$bundle" --state "$STATE" ${id:+--id "$id"})"

run="$STATE/releases/$id/bin/rollout-apply.sh"
[ -x "$run" ] || die "release $id has no bin/rollout-apply.sh: it was not made by this aspire-arm"
rm -rf "$tmp"
trap - EXIT
exec "$run" "$id"
