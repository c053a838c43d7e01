#!/usr/bin/env bash
# The container command of ops/k8s/indexed-job.yaml: one pod of an Indexed Job = one
# partition. Kubernetes sets JOB_COMPLETION_INDEX; the Job's spec sets
# PSEUDOTRACK_PARTITIONS to its completions (Kubernetes does not pass that count).
# SIGTERM (pod deletion, node drain) is forwarded: pseudotrack seals what it holds,
# publishes the manifest copy and exits 75; with podFailurePolicy / backoffLimitPerIndex
# the index is retried in a new pod, which restores the manifest copy and resumes.
# Usage: entrypoint.sh OUT CORPUS...   (PSEUDOTRACK, PSEUDOTRACK_ARGS, TMPDIR as in the sbatch script)
set -uo pipefail
if [ $# -lt 2 ]; then echo "usage: $0 OUT CORPUS..." >&2; exit 2; fi
: "${JOB_COMPLETION_INDEX:?not set: run as a pod of an Indexed Job (completionMode: Indexed)}"
: "${PSEUDOTRACK_PARTITIONS:?not set: set it to the completions of the Job in the pod spec}"
out=$1; shift
bin=${PSEUDOTRACK:-pseudotrack}
echo "pseudotrack-k8s: index $JOB_COMPLETION_INDEX of $PSEUDOTRACK_PARTITIONS on $(hostname)"
# shellcheck disable=SC2086
"$bin" partition run "$@" --out "$out" --workers "${PSEUDOTRACK_WORKERS:-1}" --progress log ${PSEUDOTRACK_ARGS:-} &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
while true; do
  wait "$child"; status=$?
  kill -0 "$child" 2>/dev/null || break
done
echo "pseudotrack-k8s: partition run exited $status"
exit "$status"
