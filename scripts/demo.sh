#!/usr/bin/env bash
# make demo: Steward end to end on this machine, nothing outside loopback.
#   a local mosquitto on a free port  <-  steward-sim (Modbus TCP devices + MQTT sensors)
#                                     <-> steward (the gateway)  ->  steward watch (what upstream sees)
#   the same mosquitto's WebSockets listener serves the control room's page (dashboard/, http_dir)
# The simulator plays the "demo" scenario: transformer TX-1 overheats, then the pump room floods.
# Everything started here is stopped by its saved PID at the end or on Ctrl-C.
# Then it plays the standard's four emergencies (config/examples/emergencies.cfg, all_four.scn).
# DEMO_SECONDS (35) is how long the first scenario is watched, DEMO_EMERGENCY_SECONDS (24; 0
# skips it) the second; DEMO_HOLD (0) keeps everything running that many seconds more, for the page.
set -u
BUILD=${BUILD:-build}
DEMO_SECONDS=${DEMO_SECONDS:-35}
DEMO_HOLD=${DEMO_HOLD:-0}
DEMO_EMERGENCY_SECONDS=${DEMO_EMERGENCY_SECONDS:-24}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/$BUILD"
work=$(mktemp -d /tmp/steward-demo.XXXXXX)
# The page's folder: mosquitto reads it as the `mosquitto` user (it drops root), follows no
# symlink out of it and answers 403 for a 0700 folder, so it is a world-readable copy.
www=$(mktemp -d /tmp/steward-page.XXXXXX)
pids=()

cleanup() {
    for pid in "${pids[@]+"${pids[@]}"}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]+"${pids[@]}"}"; do wait "$pid" 2>/dev/null; done
    if [ -n "${KEEP:-}" ]; then echo "demo files kept in $work"; else rm -rf "$work"; fi
    rm -rf "$www"
}
trap cleanup EXIT
trap 'echo; echo "stopping the demo"; exit 130' INT TERM

. "$here/scripts/ports.sh"

for tool in mosquitto mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is missing: run 'make deps' first" >&2; exit 1; }
done
free_port mqtt_port && free_port modbus_port && free_port ws_port || exit 1

mqttjs="$here/dashboard/node_modules/mqtt/dist/mqtt.min.js"
chmod 755 "$www"
mkdir -p "$www/node_modules/mqtt/dist"
install -m 0644 "$here"/dashboard/*.html "$here"/dashboard/*.js "$here"/dashboard/*.css "$www/"
if [ -f "$mqttjs" ]; then
    install -m 0644 "$mqttjs" "$www/node_modules/mqtt/dist/"
else
    echo "demo: $mqttjs is missing (run 'make deps'): the page will not connect" >&2
fi
chmod -R a+rX "$www"
page="http://127.0.0.1:$ws_port/index.html?operator=control_room"
echo "== the control room's page: $page"

# A WebSockets listener starts only beside a plain one (mosquitto 2.0.11), and stays on loopback
# only when given the interface name: "listener PORT 127.0.0.1" there would bind every interface.
cat >"$work/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
listener $ws_port lo
protocol websockets
http_dir $www
allow_anonymous true
persistence false
set_tcp_nodelay true
log_dest file $work/mosquitto.log
CONF
sed -e "s/port = 1883;/port = $mqtt_port;/" -e "s/port = 1502;/port = $modbus_port;/" \
    -e "s|path = \"demo.db\";|path = \"$work/demo.db\";|" \
    "$here/config/examples/demo.cfg" >"$work/demo.cfg"

echo "== Steward demo: broker 127.0.0.1:$mqtt_port (WebSockets and the page on :$ws_port), Modbus TCP 127.0.0.1:$modbus_port, files in $work"
"$bin/steward" check -c "$work/demo.cfg" || exit 1

$(command -v mosquitto) -c "$work/mosquitto.conf" >/dev/null 2>&1 &
pids+=($!)
wait_port "$mqtt_port" 5 || exit 1
wait_port "$ws_port" 5 || exit 1

"$bin/steward-sim" -c "$work/demo.cfg" --scenario demo >"$work/sim.log" 2>&1 &
pids+=($!)
sim_pid=$!
wait_port "$modbus_port" 5 || { cat "$work/sim.log"; exit 1; }

"$bin/steward" run -c "$work/demo.cfg" --foreground >"$work/steward.log" 2>&1 &
pids+=($!)
gw_pid=$!

echo "== what the control room receives (steward watch), for $DEMO_SECONDS s:"
echo "   at ~2 s the simulator heats transformer TX-1 past 130 C; at ~12 s the pump room floods"
echo
"$bin/steward" watch -c "$work/demo.cfg" --seconds "$DEMO_SECONDS" &
pids+=($!)
watch_pid=$!
sleep 15
echo
echo "== the control room acknowledges the over-temperature alarm (steward ack):"
"$bin/steward" ack -c "$work/demo.cfg" tx1_overtemp --by control_room
wait "$watch_pid"

echo
echo "== steward status (what an engineer on site sees):"
"$bin/steward" status -c "$work/demo.cfg"
echo
echo "== the last lines of the gateway's log:"
tail -n 8 "$work/steward.log"

# Part two: the four events the service standard names as emergencies, each raising an emergency
# work order with its 1-minute notify deadline (10 minutes to respond after 22:30 site time).
if [ "$DEMO_EMERGENCY_SECONDS" -gt 0 ] 2>/dev/null; then
    kill "$gw_pid" "$sim_pid" 2>/dev/null
    wait "$gw_pid" "$sim_pid" 2>/dev/null
    sed -e "s/port = 1883;/port = $mqtt_port;/" -e "s/port = 1502;/port = $modbus_port;/" \
        -e "s|path = \"emergencies.db\";|path = \"$work/emergencies.db\";|" \
        -e 's|topic_prefix = "steward/demo"|topic_prefix = "steward/emergencies"|' \
        -e 's/id = "demo"; name = "Demo Tower"/id = "emergencies"; name = "Demo Tower, emergencies"/' \
        "$here/config/examples/emergencies.cfg" >"$work/emergencies.cfg"
    echo
    echo "== the standard's four emergencies (config/examples/emergencies.cfg), played 4x faster:"
    echo "   power loss (the voltage collapses), a leak, a lift stopped with a fault, fire"
    "$bin/steward" check -c "$work/emergencies.cfg" || exit 1
    "$bin/steward-sim" -c "$work/emergencies.cfg" --speed 4 \
        --scenario "$here/config/examples/scenarios/all_four.scn" >"$work/sim2.log" 2>&1 &
    pids+=($!)
    wait_port "$modbus_port" 5 || { cat "$work/sim2.log"; exit 1; }
    "$bin/steward" run -c "$work/emergencies.cfg" >"$work/steward2.log" 2>&1 &
    pids+=($!)
    "$bin/steward" watch -c "$work/emergencies.cfg" --seconds "$DEMO_EMERGENCY_SECONDS"
    echo
    echo "== steward status:"
    "$bin/steward" status -c "$work/emergencies.cfg"
fi
if [ "$DEMO_HOLD" -gt 0 ] 2>/dev/null; then
    echo
    echo "== everything keeps running for $DEMO_HOLD s more (Ctrl-C stops it): $page"
    sleep "$DEMO_HOLD"
fi
