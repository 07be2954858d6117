#!/usr/bin/env bash
# e2e-signals.sh: SIGHUP reloads (good and bad files), SIGTERM and SIGINT
# stop gracefully.
. "$top_srcdir/tests/lib.sh"

# wait_for CMD...: retry a command for up to 5s.
wait_for() {
	for i in $(seq 1 100); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

cp "$SCEN/port0.json" "$TMP/live.json"
start_standin "$TMP/live.json" || exit 1
UMS=$(addr ums)
FIN=$(addr fin)

http POST "http://$UMS/v1/users" --data '{"email":"kept@example.com","name":"Kept"}'
expect_eq "a user created before the reload" "$CODE" 201
uid=$(printf '%s' "$BODY" | jq -r .id)

# A good reload: a stub appears, a service is added, the data stays.
cat >"$TMP/live.json" <<'JSON'
{ "standin": 1, "name": "reloaded", "seed": 42,
  "services": {
    "ums": { "persona": "ums", "listen": "127.0.0.1:0", "versions": ["1.1", "1.2"] },
    "fin": { "persona": "financial-engine", "listen": "127.0.0.1:0",
             "versions": ["1.2", "2.0"], "users_from": "ums" },
    "ums2": { "persona": "ums", "listen": "127.0.0.1:0" } },
  "stubs": [ { "service": "ums", "path": "/v1/motd", "body": { "motd": "reloaded" } } ] }
JSON
kill -HUP "$PID"
stub_live() { [ "$(curl -s --max-time 2 "http://$UMS/v1/motd" | jq -r .motd 2>/dev/null)" = reloaded ]; }
if wait_for stub_live; then ok "SIGHUP: the new stub answers"; else not_ok "SIGHUP: the new stub answers"; fi
expect_eq "SIGHUP: ports kept" "$(addr ums) $(addr fin)" "$UMS $FIN"
expect_eq "SIGHUP: ready file names the new scenario" "$(jq -r .scenario "$READY")" "reloaded"
UMS2=$(addr ums2)
http GET "http://$UMS2/health"
expect_eq "SIGHUP: an added service listens" "$CODE" 200
http GET "http://$UMS/v1/users/$uid"
expect_eq "SIGHUP: data created before the reload is kept" "$CODE" 200

# A bad reload is refused; the running scenario keeps serving.
printf '{ "standin": 1,\n  "services": { ,\n' >"$TMP/live.json"
kill -HUP "$PID"
refused() { grep -q 'reload refused' "$LOG"; }
if wait_for refused; then ok "bad SIGHUP: refused"; else not_ok "bad SIGHUP: refused"; fi
expect_match "bad SIGHUP: names file, line and column" "$(cat "$LOG")" 'live.json:2:'
expect_eq "bad SIGHUP: still running" "$(kill -0 "$PID" && echo alive)" alive
http GET "http://$UMS/v1/motd"
expect_eq "bad SIGHUP: the old scenario still serves" "$(printf '%s' "$BODY" | jq -r .motd)" reloaded
http GET "http://$UMS2/health"
expect_eq "bad SIGHUP: the old services still listen" "$CODE" 200

# Removing a service closes its port.
cp "$SCEN/port0.json" "$TMP/live.json"
kill -HUP "$PID"
gone() { curl -s -o /dev/null --max-time 2 "http://$UMS2/health"; [ $? -eq 7 ]; }
if wait_for gone; then ok "SIGHUP: a removed service's port refuses"; else not_ok "SIGHUP: a removed service's port refuses"; fi

# A reload frees the old scenario while a connection still carries its
# stream faults and a held answer: both must go on unharmed (ASan and
# valgrind runs of this test catch a use after free).
cat >"$TMP/faulty.json" <<'JSON'
{ "standin": 1, "services": { "ums": { "persona": "ums", "listen": "127.0.0.1:0" } },
  "faults": [ { "layer": "stream", "type": "latency", "latency": "100ms", "direction": "downstream" },
              { "layer": "stream", "type": "slow_close", "delay": "50ms" },
              { "layer": "http", "type": "delay", "delay": "400ms", "match": { "path": "/held" } } ] }
JSON
stop_standin
start_standin "$TMP/faulty.json" || exit 1
FU=$(addr ums)
exec 5<>"/dev/tcp/${FU%:*}/${FU##*:}"
printf 'GET /held HTTP/1.1\r\nHost: x\r\n\r\n' >&5
sleep 0.1
cp "$SCEN/port0.json" "$TMP/faulty.json"
kill -HUP "$PID"
read -r -t 5 line <&5
expect_match "reload during a held answer: still answered" "$line" '^HTTP/1.1 404'
while read -r -t 5 line <&5; do [ "$line" = $'\r' ] && break; done
read -r -t 5 line <&5
printf 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&5
read -r -t 5 line <&5
expect_match "and the connection's stream faults still apply after it" "$line" '^HTTP/1.1 200'
exec 5<&-
stop_standin
expect_eq "no crash: exit 0" "$STATUS" 0
start_standin "$SCEN/port0.json" || exit 1
UMS=$(addr ums)

# SIGTERM with an idle keep-alive connection open: a prompt exit 0.
exec 4<>"/dev/tcp/${UMS%:*}/${UMS##*:}"
start=$(date +%s)
stop_standin
end=$(date +%s)
exec 4<&-
expect_eq "SIGTERM with an open connection: exit 0" "$STATUS" 0
expect_le "SIGTERM: stops within 3s" $((end - start)) 3

start_standin "$SCEN/port0.json" || exit 1
kill -INT "$PID"
wait "$PID"
expect_eq "SIGINT: exit 0" "$?" 0
PID=

done_testing
