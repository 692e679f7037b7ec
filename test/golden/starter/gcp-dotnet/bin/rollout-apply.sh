#!/usr/bin/env bash
set -euo pipefail
STATE="${ASPIRE_STATE:-/var/lib/aspire-arm}"
HERE="$(dirname "$0")"
ROLLOUTS="$STATE/rollouts"
SUMMARY_MAX=7000
LOGS_KEPT=20
log() { printf 'aspire-arm: rollout: %s\n' "$*"; }
id="${1:-}"
if [ "$#" -ne 1 ] || ! [[ $id =~ ^[0-9a-f]{16}$ ]]; then
printf 'aspire-arm: rollout: usage: rollout-apply.sh ID (16 lowercase hex digits)\n' >&2
exit 2
fi
umask 077
mkdir -p "$ROLLOUTS"
tmp="$(mktemp -d "$ROLLOUTS/.tmp-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
out="$ROLLOUTS/$id.log"
printf '=== aspire-arm rollout of release %s, %s\n' "$id" "$(date -u +%FT%TZ)" >>"$out"
log "applying release $id (log: $out)"
rc=0
{ "$HERE/apply.sh" --release "$id" 2>&1 >&3 3>&- | tee "$tmp/stderr"; } 3>&1 | tee -a "$out" || rc=$?
find "$ROLLOUTS" -maxdepth 1 -name '*.log' -printf '%T@ %p\n' | sort -rn | tail -n +$((LOGS_KEPT + 1)) | cut -d' ' -f2- | xargs -r rm -f --
if [ "$rc" -ne 0 ]; then
head="aspire-arm: rollout: release $id failed (apply.sh exit $rc; whole log on the VM: $out); the last lines of its stderr:"
max=$((SUMMARY_MAX - ${#head} - 2))
tail="$(tail -c "$max" "$tmp/stderr")"
if [ "$(wc -c <"$tmp/stderr")" -gt "$max" ] && [[ ${tail#*$'\n'} != "$tail" ]]; then tail="${tail#*$'\n'}"; fi
printf '%s\n%s\n' "$head" "$tail" >&2
exit "$rc"
fi
log "release $id applied"
