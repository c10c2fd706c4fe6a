# scripts/ports.sh - sourced by demo.sh and fleet.sh: free loopback ports and waiting for one.
# Everything here talks to 127.0.0.1 only.

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port VAR: a port nothing listens on and this script has not handed out yet, into VAR. It
# sets the variable rather than printing the port: a $(...) subshell would forget the ports
# handed out, and two servers could be given the same one before either listens.
declare -A ports_given=()
free_port() {
    local p tries=0
    while [ $tries -lt 200 ]; do
        p=$((20000 + RANDOM % 40000))
        if [ -z "${ports_given[$p]:-}" ] && ! port_busy "$p"; then
            ports_given[$p]=1
            printf -v "$1" '%s' "$p"
            return 0
        fi
        tries=$((tries + 1))
    done
    echo "no free port found" >&2
    return 1
}

# wait_port PORT SECONDS: until something listens on 127.0.0.1:PORT, at most SECONDS.
wait_port() {
    local i=0
    while [ $i -lt $(($2 * 20)) ]; do
        port_busy "$1" && return 0
        sleep 0.05
        i=$((i + 1))
    done
    echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2
    return 1
}
