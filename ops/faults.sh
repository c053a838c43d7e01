#!/usr/bin/env bash
# `make faults`: faults injected on one machine into `pseudotrack partition run`, then the
# dataset checked: every clip that finished is in the merged dataset exactly once, and
# every other clip ended with a recorded cause. Ends with a table: fault, times
# injected, clips, lost, duplicated.
#   sigkill-sealing    kill -9 of a partition's processes while a shard is being sealed
#                      (its staged .shard.*.tmp exists), 3 times, then the run resumed
#   sigkill-copy       kill -9 while the manifest copy is being written (its .tmp exists), 3 times
#   node-lost          the node-local manifest deleted after a kill (a requeue onto another
#                      node): the task restores the shared copy and removes newer shards
#   teacher-crash      an external teacher that kills itself, drawn for about a quarter of
#                      the clips: those clips fail with the cause recorded, the rest go on
#   disk-full          the output on a full tmpfs: the run fails without losing clips; the
#                      file system grown, the same command finishes
#   corrupt-inputs     random bytes and a truncated video added to the corpus mid-way
# Usage: ops/faults.sh PSEUDOTRACK_BINARY DIR PYTHON   (root for the tmpfs; without root
# the disk-full fault is left out)
set -euo pipefail
bin=$(realpath "$1") dir=$2 python=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/scratch" "$dir/logs"
dir=$(realpath "$dir")
export TMPDIR=$dir/scratch
declare -a table=()
log() { echo "faults: $(date +%T) $*"; }
fail() { echo "faults: FAILED: $*" >&2; exit 1; }

bash "$here/test-corpus.sh" pipeline "$dir/pipeline.yaml" "teachers:
  - name: klt-online
    weight: 3
  - name: crasher
    command: [sh, -c, 'kill -9 \$\$']
    weight: 1"
bash "$here/test-corpus.sh" videos "$dir/corpus" 1 8
cp "$dir/corpus/v2.mp4" "$dir/corpus/v2-again.mp4"

run_partition() {   # run_partition OUT INDEX COUNT [LOG]: in its own session, in the background; sets pid
  setsid "$bin" partition run "$dir/corpus" --out "$1" --index "$2" --count "$3" --workers 2 \
    --pipeline "$dir/pipeline.yaml" --trust-manifest-commands --progress none >> "${4:-$dir/logs/run.log}" 2>&1 &
  pid=$!
}
kill_when() {   # kill_when GLOB: kill -9 $pid's session as soon as GLOB matches a file; 0 if it did
  local glob=$1
  for _ in $(seq 6000); do
    if compgen -G "$glob" >/dev/null; then kill -9 -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; return 0; fi
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 1; }
    sleep 0.005
  done
  kill -9 -- "-$pid" 2>/dev/null; return 1
}
finish() {   # finish OUT INDEX COUNT: run to the end (exit 0, or 1 when clips failed for a teacher's cause)
  local status=0
  run_partition "$@"
  wait "$pid" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || fail "partition $2 exited $status"
}
check() {   # check OUT NAME INJECTED
  "$bin" merge "$1" >/dev/null
  "$bin" partition verify "$1" --skip-video > "$dir/logs/verify-$2.log" || { cat "$dir/logs/verify-$2.log"; fail "$2: partition verify"; }
  "$bin" partition status "$1" --json > "$dir/status-$2.json"
  local line
  line=$("$python" "$here/slurm/check_merged.py" --allow-failed --summary "$1" "$dir/status-$2.json") || fail "$2: check_merged.py"
  line=${line%%$'\n'*}
  table+=("$2|$3|$line")
  log "$2: $line"
}

out=$dir/out
# SIGKILL during sealing, in partition 0.
kills=0
for _ in 1 2 3; do
  run_partition "$out" 0 2
  if kill_when "$out/part-00000/.shard.*.tmp"; then kills=$((kills + 1)); fi
done
finish "$out" 0 2
finish "$out" 1 2
check "$out" sigkill-sealing "$kills"

# SIGKILL during the manifest copy, in partition 1 (new videos give it work again).
bash "$here/test-corpus.sh" videos "$dir/corpus" 9 14
kills=0
for _ in 1 2 3; do
  run_partition "$out" 1 2
  if kill_when "$out/manifests/.part-00001.sqlite.*.tmp"; then kills=$((kills + 1)); fi
done
finish "$out" 1 2
finish "$out" 0 2
check "$out" sigkill-copy "$kills"

# Corrupt inputs and new videos added; partition 0 killed while sealing and its node-local
# manifest lost (as if requeued onto another node), then both partitions run again.
bash "$here/test-corpus.sh" videos "$dir/corpus" 15 20
head -c 30000 /dev/urandom > "$dir/corpus/random-bytes.mp4"
head -c 2500 "$dir/corpus/v15.mp4" > "$dir/corpus/truncated.mp4"
run_partition "$out" 0 2
lost=0
if kill_when "$out/part-00000/.shard.*.tmp"; then lost=1; fi
rm -f "$TMPDIR"/pseudotrack-*-part-00000.sqlite*
finish "$out" 0 2
finish "$out" 1 2
grep -q "restored from the shared copy" "$dir/logs/run.log" || fail "node-lost: the manifest was not restored"
check "$out" node-lost "$lost"
inputs=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['videos']['failed'])" "$dir/status-node-lost.json")
[ "$inputs" -ge 2 ] || fail "corrupt-inputs: $inputs failed inputs recorded, expected 2"
table+=("corrupt-inputs|2|$(sed -n 's/.*|//p' <<< "${table[-1]}")")
crashes=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['clips']['failed'])" "$dir/status-node-lost.json")
table+=("teacher-crash|$crashes clips|$(sed -n 's/.*|//p' <<< "${table[-2]}")")

# Disk full on the output.
if [ "$(id -u)" -eq 0 ]; then
  full=$dir/full
  mkdir -p "$full"
  mount -t tmpfs -o size=160k tmpfs "$full"
  trap 'umount "$full" 2>/dev/null || true' EXIT
  status=0
  run_partition "$full/out" 0 1 "$dir/logs/full.log"; wait "$pid" || status=$?
  [ "$status" -ne 0 ] || fail "disk-full: the run on a full output exited 0"
  grep -qi "no space\|cannot write\|cannot seal\|unwritable" "$dir/logs/full.log" || fail "disk-full: no disk-full error reported"
  mount -o remount,size=64m "$full"
  finish "$full/out" 0 1
  check "$full/out" disk-full 1
fi

echo
printf "%-16s %-10s %s\n" "fault" "injected" "result"
for row in "${table[@]}"; do
  IFS='|' read -r name injected result <<< "$row"
  printf "%-16s %-10s %s\n" "$name" "$injected" "$result"
done
for row in "${table[@]}"; do
  grep -q '"lost": 0, "duplicated": 0' <<< "$row" || fail "a fault lost or duplicated clips: $row"
done
log "every fault: lost 0, duplicated 0"
