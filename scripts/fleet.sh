#!/usr/bin/env bash
# make fleet N=50: N buildings on this machine, each a site broker (mosquitto) with its gateway and
# simulator (config/examples/demo.cfg as site bNNN), every site broker bridged into one central
# broker (cleansession false, persistence on the site side), and the control room's page served by
# the central broker's WebSockets listener, watching every site (steward/+).
# Runs FLEET_SECONDS (300) or until Ctrl-C, then stops everything by its saved PID. Loopback only.
#   FLEET_SCENARIO  the simulators' scenario (demo: TX-1 overheats, the pump room floods)
#   FLEET_INFO      a file to write the ports and PIDs into ("ready" last), for tests/bench
set -u
N=${1:-${N:-10}}
BUILD=${BUILD:-build}
FLEET_SECONDS=${FLEET_SECONDS:-300}
FLEET_SCENARIO=${FLEET_SCENARIO:-demo}
FLEET_INFO=${FLEET_INFO:-}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/$BUILD"
case "$N" in '' | *[!0-9]*) echo "fleet: N must be a number" >&2; exit 1 ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 200 ] || { echo "fleet: N from 1 to 200" >&2; exit 1; }
work=$(mktemp -d /tmp/steward-fleet.XXXXXX)
# mosquitto drops root to its own user: the page's copy and the site brokers' persistence live
# in folders it may read (and write).
www=$(mktemp -d /tmp/steward-fleet-page.XXXXXX)
persist=$(mktemp -d /tmp/steward-fleet-db.XXXXXX)
chmod 755 "$www"
chmod 1777 "$persist"
pids=()

cleanup() {
    trap - EXIT INT TERM
    for pid in "${pids[@]+"${pids[@]}"}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]+"${pids[@]}"}"; do wait "$pid" 2>/dev/null; done
    if [ -n "${KEEP:-}" ]; then echo "fleet files kept in $work"; else rm -rf "$work"; fi
    rm -rf "$www" "$persist"
}
trap cleanup EXIT
trap 'echo; echo "stopping the fleet"; exit 130' INT TERM

. "$here/scripts/ports.sh"

for tool in mosquitto; do
    command -v "$tool" >/dev/null || { echo "fleet: $tool is missing: run 'make deps' first" >&2; exit 1; }
done
mqttjs="$here/dashboard/node_modules/mqtt/dist/mqtt.min.js"
[ -f "$mqttjs" ] || { echo "fleet: $mqttjs is missing: run 'make deps'" >&2; exit 1; }
mkdir -p "$www/node_modules/mqtt/dist"
install -m 0644 "$here"/dashboard/*.html "$here"/dashboard/*.js "$here"/dashboard/*.css "$www/"
install -m 0644 "$mqttjs" "$www/node_modules/mqtt/dist/"
chmod -R a+rX "$www"

free_port central && free_port ws || exit 1
# A WebSockets listener starts only beside a plain one (mosquitto 2.0.11) and stays on loopback
# only when given the interface name.
cat >"$work/central.conf" <<CONF
listener $central 127.0.0.1
listener $ws lo
protocol websockets
http_dir $www
allow_anonymous true
persistence false
set_tcp_nodelay true
max_queued_messages 10000
sys_interval 1
CONF
page="http://127.0.0.1:$ws/index.html"
echo "== the control room's page (every site): $page"
$(command -v mosquitto) -c "$work/central.conf" >"$work/central.log" 2>&1 &
pids+=($!)
central_pid=$!
wait_port "$central" 5 || exit 1
wait_port "$ws" 5 || exit 1
[ -n "$FLEET_INFO" ] && echo "central $central $ws $central_pid" >"$FLEET_INFO"

echo "== starting $N buildings (site broker + steward-sim + steward each), bridged into 127.0.0.1:$central"
for i in $(seq 1 "$N"); do
    id=$(printf "b%03d" "$i")
    free_port sp && free_port mp || exit 1
    mkdir -p "$persist/$id" && chmod 1777 "$persist/$id"
    cat >"$work/$id-broker.conf" <<CONF
listener $sp 127.0.0.1
allow_anonymous true
set_tcp_nodelay true
persistence true
persistence_location $persist/$id/
connection central-$id
address 127.0.0.1:$central
clientid bridge-$id
cleansession false
restart_timeout 1 5
topic status out 1 steward/$id/ steward/$id/
topic alarms/# out 1 steward/$id/ steward/$id/
topic workorders/# out 1 steward/$id/ steward/$id/
topic events out 1 steward/$id/ steward/$id/
topic telemetry/# out 0 steward/$id/ steward/$id/
topic cmd/result out 1 steward/$id/ steward/$id/
topic cmd/ack in 1 steward/$id/ steward/$id/
topic cmd/shelve in 1 steward/$id/ steward/$id/
topic cmd/unshelve in 1 steward/$id/ steward/$id/
topic cmd/workorder in 1 steward/$id/ steward/$id/
CONF
    sed -e "s/id = \"demo\"; name = \"Demo Tower\"/id = \"$id\"; name = \"Building $i\"/" \
        -e "s|steward/demo|steward/$id|" -e "s/port = 1883;/port = $sp;/" \
        -e "s/port = 1502;/port = $mp;/" -e "s|path = \"demo.db\";|path = \"$work/$id.db\";|" \
        -e 's/keepalive = "30s"/keepalive = "10s"/' \
        "$here/config/examples/demo.cfg" >"$work/$id.cfg"
    $(command -v mosquitto) -c "$work/$id-broker.conf" >"$work/$id-broker.log" 2>&1 &
    pids+=($!)
    wait_port "$sp" 5 || exit 1
    "$bin/steward-sim" -c "$work/$id.cfg" --scenario "$FLEET_SCENARIO" >"$work/$id-sim.log" 2>&1 &
    pids+=($!)
    sim_pid=$!
    wait_port "$mp" 5 || { tail "$work/$id-sim.log"; exit 1; }
    "$bin/steward" run -c "$work/$id.cfg" --foreground >"$work/$id-steward.log" 2>&1 &
    pids+=($!)
    [ -n "$FLEET_INFO" ] && echo "site $id $sp $! $sim_pid" >>"$FLEET_INFO"
done
[ -n "$FLEET_INFO" ] && echo "ready" >>"$FLEET_INFO"
echo "== $N buildings running; the page: $page"
echo "   (files in $work; stops after $FLEET_SECONDS s or on Ctrl-C)"
end=$((SECONDS + FLEET_SECONDS))
while [ $SECONDS -lt $end ]; do
    sleep 1
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
    if [ "$alive" -lt "${#pids[@]}" ]; then
        echo "fleet: $(( ${#pids[@]} - alive )) of ${#pids[@]} processes stopped; see $work" >&2
        KEEP=1
        exit 1
    fi
done
echo "== $FLEET_SECONDS s are up: stopping the fleet"
