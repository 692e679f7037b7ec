#!/usr/bin/env bash
# aspire-arm rollout: the one entry point of every delivery of a release bundle to this VM.
#   rollout.sh s3 BUCKET KEY ID   AWS: what Systems Manager Run Command (AWS-RunShellScript) runs
#                                 as root; downloads s3://BUCKET/KEY with the VM's role
#                                 (deliver.py fetch-s3)
#   rollout.sh file PATH [ID]     a bundle already on the VM (the GCP agent, deliver.py gce-agent,
#                                 and the emulated-VM tests)
# then `release.py unpack` (checks the bundle, and that its release id is ID when given) and
# `apply.sh --release ID` (health-gated, rolls back on failure; its lock makes rollouts one at a
# time). The arguments are checked against their shapes before anything runs. First waits until
# the bootstrap has finished ($STATE/bootstrapped, written at its end), so that a command reaching a
# new VM while cloud-init still runs waits for it instead of racing it.
# Output: apply.sh's, on stdout and in $STATE/rollouts/ID.log. On failure, exit non-zero with a
# summary on stderr: at most 7,000 characters (SSM keeps the first 8,000 of stderr), the last lines
# of apply.sh's stderr, where it puts the failing service's log lines.
# Test hooks: ASPIRE_APPLY (the release's bin/apply.sh), ASPIRE_ETC (/etc/aspire-arm), ASPIRE_STATE (/var/lib/aspire-arm), ASPIRE_BOOT_WAIT
# (1200 s).
set -euo pipefail

ETC="${ASPIRE_ETC:-/etc/aspire-arm}"
STATE="${ASPIRE_STATE:-/var/lib/aspire-arm}"
BOOT_WAIT="${ASPIRE_BOOT_WAIT:-1200}"
LIB="$(dirname "$0")"
ROLLOUTS="$STATE/rollouts"
SUMMARY_MAX=7000
LOGS_KEPT=20

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
  python3 "$LIB/deliver.py" fetch-s3 --bucket "$bucket" --key "$key" --out "$bundle" --vm-env "$ETC/vm.env"
fi
id="$(python3 "$LIB/release.py" unpack --bundle "$bundle" --state "$STATE" ${id:+--id "$id"})"

out="$ROLLOUTS/$id.log"
printf '=== aspire-arm rollout of release %s, %s\n' "$id" "$(date -u +%FT%TZ)" >>"$out"
log "applying release $id (log: $out)"
# apply.sh's stdout and stderr to stdout and the log; its stderr also to $tmp/stderr.
rc=0
{ "${ASPIRE_APPLY:-$STATE/releases/$id/bin/apply.sh}" --release "$id" 2>&1 >&3 3>&- | tee "$tmp/stderr"; } 3>&1 | tee -a "$out" || rc=$?

# The newest logs are kept.
find "$ROLLOUTS" -maxdepth 1 -name '*.log' -printf '%T@ %p\n' | sort -rn | tail -n +$((LOGS_KEPT + 1)) | cut -d' ' -f2- | xargs -r rm -f --

if [ "$rc" -ne 0 ]; then
  head="aspire-arm: rollout: release $id failed (apply.sh exit $rc; whole log on the VM: $out); the last lines of its stderr:"
  max=$((SUMMARY_MAX - ${#head} - 2))
  tail="$(tail -c "$max" "$tmp/stderr")"
  # Cut at a line start, unless that leaves nothing.
  if [ "$(wc -c <"$tmp/stderr")" -gt "$max" ] && [[ ${tail#*$'\n'} != "$tail" ]]; then tail="${tail#*$'\n'}"; fi
  printf '%s\n%s\n' "$head" "$tail" >&2
  exit "$rc"
fi
log "release $id applied"
