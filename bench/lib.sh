# bench/lib.sh: sourced by the benchmarks that run servers of their own
# (proxy.sh, toxiproxy.sh). bench_setup NAME makes $tmp (readable by
# nginx's worker, which runs as another user), kills what went into pids[]
# and removes $tmp on exit, and sets pin0/pin1 (taskset on cores 0 and 1
# when there are two).

bench_setup() {
	tmp=$(mktemp -d "/tmp/standin-$1.XXXXXX")
	chmod 755 "$tmp"
	pids=()
	trap bench_cleanup EXIT
	pin0= pin1=
	if [ "$(nproc)" -ge 2 ]; then pin0="taskset -c 0"; pin1="taskset -c 1"; fi
}

bench_cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
	return 0
}

# A port the kernel has just handed out free (nginx cannot listen on 0).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Wait until an HTTP server answers on the port.
wait_port() { for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.02; done; return 1; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# What a UMS persona answers for GET /v1/users/u1001: nginx's body too.
user_body='{"id":"u1001","email":"ada.okafor@example.org","name":"Ada Okafor","status":"active","created_at":"2023-02-14T09:12:44Z","profile":{"display_name":"Ada","locale":"en-GB","timezone":"Europe/London"}}'
