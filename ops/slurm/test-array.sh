#!/usr/bin/env bash
# `make test`'s cluster test: a small corpus labelled as a 4-task Slurm array on the real
# local one-node cluster (local-cluster.sh), with faults injected into running tasks:
#   round 1  preemption (scancel --batch --signal=TERM: the task exits 75 and requeues itself)
#            and `scontrol requeue` of another running task
#   round 2  more videos and corrupt files added to the corpus, the array submitted again;
#            kill -9 of a task's batch shell (then that task is submitted again), and the
#            node's slurmd killed while a task runs and started again
#   round 3  the Kubernetes Indexed Job entry point (ops/k8s/entrypoint.sh) run with the
#            environment an Indexed Job sets (JOB_COMPLETION_INDEX), one pod after another
# After each round: `pseudotrack merge`, `pseudotrack partition verify`, every clip exactly
# once (ops/slurm/check_merged.py with pseudotrack_data.open_shards, and with
# StreamingDataset when mosaicml-streaming is importable), no clip lost (all finished).
# Usage: ops/slurm/test-array.sh PSEUDOTRACK_BINARY DIR PYTHON [STREAMING_PYTHON]
# Needs root (slurmd runs the tasks); without root it says so and exits 0 (CI runs as root).
set -euo pipefail
bin=$(realpath "$1") dir=$2 python=$3 streaming_python=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then echo "test-array: SKIPPED (needs root to run slurmd)"; exit 0; fi
if [ -n "$streaming_python" ] && ! "$streaming_python" -c "import streaming" 2>/dev/null; then
  echo "test-array: $streaming_python has no mosaicml-streaming; StreamingDataset is not checked"
  streaming_python=""
fi
# Several worktrees may run this at once on the machine's one cluster (2 cores: their
# tasks would compete for the node, and round 2 kills its slurmd): one test at a time,
# the others wait here. The lock's descriptor is closed for the daemons and jobs started
# below, so that nothing outlives this test holding it.
log() { echo "test-array: $(date +%T) $*"; }
exec 9>/var/lock/pseudotrack-slurm-test.lock
if ! flock -n 9; then log "another cluster test holds the lock; waiting"; flock 9; fi

rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/scratch"
dir=$(realpath "$dir")
out=$dir/out
bash "$here/local-cluster.sh" start 9>&-
# This run's jobs carry a name of their own, and it waits on its own job ids only.
name=pseudotrack-test-$(hostname -s)-$$
jobs=()
# Jobs an interrupted earlier run of this test left behind (only a test holding the lock
# submits jobs named pseudotrack-test-*): they would hold the node's cores.
leftover=$(squeue -h -o "%A %j" | awk '$2 ~ /^pseudotrack-test-/ { print $1 }' | sort -u || true)
if [ -n "$leftover" ]; then log "cancelling jobs left by an earlier run of this test: $(echo $leftover)"; scancel $leftover || true; fi
cancel_ours() { if [ ${#jobs[@]} -gt 0 ]; then scancel "${jobs[@]}" 2>/dev/null || true; fi; }
trap cancel_ours EXIT

fail() {
  echo "test-array: FAILED: $*" >&2; squeue >&2 || true
  for f in "$dir"/logs/*.log; do echo "== $f" >&2; tail -n 30 "$f" >&2; done
  exit 1
}

bash "$here/../test-corpus.sh" pipeline "$dir/pipeline.yaml"
bash "$here/../test-corpus.sh" videos "$dir/corpus" 1 16
cp "$dir/corpus/v3.mp4" "$dir/corpus/v3-copy.mp4"      # the same content under two paths

mkdir -p "$dir/logs"
# Slurm's commands time out on a loaded machine ("Socket timed out on send/recv"): an
# answer counts only when the command succeeded, and a failed one is asked again. (A
# failed squeue printing nothing once read as "no job left", and a round was checked
# while a requeued task was still labelling its clips.)
ask() {   # ask COMMAND...: its output, once it succeeds (up to 2 minutes)
  local out
  for _ in $(seq 60); do
    if out=$("$@" 2>/dev/null); then printf '%s\n' "$out"; return 0; fi
    sleep 2
  done
  fail "Slurm did not answer: $*"
}
submit() {   # submit ARRAY: prints the array job id
  local id
  id=$(PSEUDOTRACK="$bin" PSEUDOTRACK_PARTITIONS=4 PSEUDOTRACK_SCRATCH="$dir/scratch" PSEUDOTRACK_ARGS="--pipeline $dir/pipeline.yaml" \
    ask sbatch --parsable --job-name="$name" --array="$1" --cpus-per-task=1 --time=20 --output="$dir/logs/%A_%a.log" \
    --chdir="$dir" "$here/pseudotrack-array.sbatch" "$out" "$dir/corpus")
  echo "${id%%;*}"
}
# The state of an array task (ARRAY_TASK) with its job id, as "STATE JOBID"; ended tasks
# stay listed (MinJobAge=600) with their final state.
task_state() { ask squeue -h -t all -j "$1" -o "%T %A" | head -n 1; }
job_of() { local s; s=$(task_state "$1"); if [ "${s%% *}" = RUNNING ]; then echo "${s#* }"; fi; }   # a running task's job id
wait_running() {   # wait_running ARRAY TASK: until the task runs and has begun labelling
  for _ in $(seq 1500); do
    [ "$(task_state "$1_$2" | cut -d' ' -f1)" = RUNNING ] && grep -q "corpus entries" "$dir/logs/$1_$2.log" 2>/dev/null && return 0
    sleep 0.4
  done
  fail "task $1_$2 did not start labelling within 10 minutes"
}
wait_quiet() {   # until every task of this run's jobs has ended (none pending, requeued, running)
  local states
  for _ in $(seq 900); do
    states=$(ask squeue -h -t all -j "$(IFS=,; echo "${jobs[*]}")" -o %T)
    if [ -n "$states" ] && ! grep -qvE '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)$' <<< "$states"; then
      return 0
    fi
    sleep 2
  done
  fail "this run's jobs did not finish within 30 minutes: $(echo $states)"
}
check() {   # check ROUND: merge, verify, every clip exactly once, none left unfinished
  "$bin" merge "$out"
  "$bin" partition verify "$out" --skip-video || fail "$1: partition verify"
  "$bin" partition status "$out" --json > "$dir/status.json"
  "$bin" partition status "$out"
  "$python" "$here/check_merged.py" "$out" "$dir/status.json" || fail "$1: check_merged.py"
  if [ -n "$streaming_python" ]; then
    "$streaming_python" "$here/check_merged.py" --streaming "$out" "$dir/status.json" || fail "$1: StreamingDataset"
  fi
  log "$1: passed"
}

# Round 1: preemption and scontrol requeue.
array=$(submit 0-3%4); jobs+=("$array")
log "round 1: array $array"
wait_running "$array" 0
wait_running "$array" 1
log "preempting task 0: scancel --batch --signal=TERM ${array}_0"
# scancel returns once the signalled job has answered (the task first seals what it
# holds): in the background, so that the requeue below meets task 1 still running.
scancel --batch --signal=TERM "${array}_0" &
preempt=$!
t1=$(job_of "${array}_1")
[ -n "$t1" ] || fail "task 1 finished before it could be requeued"
log "requeueing task 1: scontrol requeue $t1"
ask scontrol requeue "$t1" > /dev/null
wait "$preempt" || true
wait_quiet
grep -q "partition run exited 75" "$dir/logs/${array}_0.log" || fail "task 0 was not interrupted resumably"
for task in 0 1; do
  grep -q "restart 1" "$dir/logs/${array}_$task.log" || fail "task $task was not requeued"
done
check "round 1 (preemption, requeue)"

# Round 2: the corpus grows (new videos, corrupt files); kill -9 of a batch shell; slurmd killed.
bash "$here/../test-corpus.sh" videos "$dir/corpus" 17 26
head -c 20000 /dev/urandom > "$dir/corpus/corrupt1.mp4"
head -c 3000 "$dir/corpus/v11.mp4" > "$dir/corpus/truncated.mp4"
array=$(submit 0-3%4); jobs=("$array")
log "round 2: array $array"
wait_running "$array" 2
t2=$(job_of "${array}_2")
shell=$(pgrep -f "job0*${t2}/slurm_script" | head -n 1 || true)
[ -n "$shell" ] || fail "no batch shell for job $t2"
log "kill -9 of task 2's batch shell (pid $shell)"
kill -9 "$shell"
wait_running "$array" 3
t3=$(job_of "${array}_3")
slurmd_pid=$(cat /var/lib/pseudotrack-slurm/slurmd.pid)
log "kill -9 of slurmd ($slurmd_pid) while task 3 (job $t3) runs; started again 5 s later"
kill -9 "$slurmd_pid"; sleep 5
/usr/sbin/slurmd 9>&-
wait_quiet
log "rerunning task 2, as if on another node (its node-local manifest gone)"
rm -f "$dir/scratch"/pseudotrack-*-part-00002.sqlite*
rerun=$(submit 2); jobs=("$rerun")
wait_quiet
grep -q "restored from the shared copy" "$dir/logs/${rerun}_2.log" || fail "the rerun of task 2 did not restore the manifest copy"
check "round 2 (corpus grown, kill -9, slurmd killed)"

# Round 3: the Kubernetes entry point, with an Indexed Job's environment, on another output.
out=$dir/out-k8s
for index in 0 1; do
  env JOB_COMPLETION_INDEX=$index PSEUDOTRACK_PARTITIONS=2 PSEUDOTRACK="$bin" TMPDIR="$dir/scratch" \
    PSEUDOTRACK_ARGS="--pipeline $dir/pipeline.yaml" bash "$here/../k8s/entrypoint.sh" "$out" "$dir/corpus" \
    > "$dir/logs/k8s-$index.log" 2>&1 || fail "k8s entry point, index $index"
done
check "round 3 (Kubernetes Indexed Job entry point)"
log "all rounds passed"
