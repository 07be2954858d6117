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

# nginx_upstream PORT: the upstream the proxy benchmarks stand in front
# of: one nginx worker on core 1 (beside wrk), answering `return 200` with
# user_body and a newline, and $tmp/bulk (if made) at /bulk.
nginx_upstream() {
	cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
worker_rlimit_nofile 65536;
events { worker_connections 32768; }
http {
	access_log off;
	client_body_temp_path $tmp;
	proxy_temp_path $tmp;
	fastcgi_temp_path $tmp;
	uwsgi_temp_path $tmp;
	scgi_temp_path $tmp;
	keepalive_requests 10000000;
	keepalive_timeout 3600s;
	default_type application/json;
	server {
		listen 127.0.0.1:$1 backlog=16384;
		root $tmp;
		location = /bulk { }
		location / { return 200 '$user_body\n'; }
	}
}
CONF
	$pin1 nginx -c "$tmp/nginx.conf" -p "$tmp" &
	pids+=($!)
	wait_port "$1"
}
