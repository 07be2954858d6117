#!/usr/bin/env bash
# e2e-toxiproxy-api.sh: standin's Toxiproxy-compatible endpoints on the
# control port, with curl, byte for byte against Toxiproxy 2.12.0
# (shared/reference/toxiproxy-api.md; its "checked on the wire" list wins):
# status codes, JSON shapes and field order, error bodies and their
# headers, relaxed JSON, the create/update/merge/populate/reset rules, the
# router's 404 and 405, and that what this API makes shows in standin's
# own /status and /faults.
. "$top_srcdir/tests/lib.sh"

# tp METHOD PATH [CURL-ARGS...]: a request to the control port; sets CODE,
# BODY, HEADERS, and RAW (the body with its trailing newlines).
tp() {
	local method=$1 path=$2
	shift 2
	http "$method" "http://$CTL$path" "$@"
	RAW=$(
		cat "$TMP/body"
		printf .
	)
	RAW=${RAW%.}
}
# tpj METHOD PATH JSON: the same with a JSON body, as Toxiproxy's clients send it.
tpj() {
	local method=$1 path=$2 json=$3
	shift 3
	tp "$method" "$path" -H 'Content-Type: application/json' --data-binary "$json" "$@"
}
nl=$'\n'
# shown: RAW with a trailing newline written as \n, for expect_match.
shown() {
	if [ "${RAW: -1}" = "$nl" ]; then printf '%s\\n' "${RAW%$nl}"; else printf '%s' "$RAW"; fi
}
# err MESSAGE STATUS: Toxiproxy's error body.
err() { printf '{"error":"%s","status":%s}\n' "$1" "$2"; }
# expect_error DESC STATUS MESSAGE: the last answer is Toxiproxy's error,
# as Go's http.Error writes it.
expect_error() {
	expect_eq "$1: $2" "$CODE" "$2"
	expect_eq "$1: the error body" "$RAW" "$(err "$3" "$2")$nl"
	expect_eq "$1: text/plain" "$(header Content-Type)" "text/plain; charset=utf-8"
	expect_eq "$1: nosniff" "$(header X-Content-Type-Options)" nosniff
}
# proxy_text NAME LISTEN UPSTREAM ENABLED [TOXICS]: a proxy as Toxiproxy marshals it.
proxy_text() {
	printf '{"name":"%s","listen":"%s","upstream":"%s","enabled":%s,"Logger":{},"toxics":%s}' \
		"$1" "$2" "$3" "$4" "${5:-[]}"
}
# toxic_text ATTRS NAME TYPE STREAM TOXICITY: a toxic as Toxiproxy marshals it.
toxic_text() {
	printf '{"attributes":%s,"name":"%s","type":"%s","stream":"%s","toxicity":%s}' "$@"
}
port_of() { printf '%s' "${1##*:}"; }

start_standin "$SCEN/port0.json" || exit 1
CTL=$(ctl_addr)
UP=127.0.0.1:9 # never dialled here: no client connects through these proxies

# --- /version ---------------------------------------------------------------
tp GET /version
expect_eq "GET /version: 200" "$CODE" 200
expect_eq "GET /version: Toxiproxy's version, a space after the colon, a newline" "$RAW" "{\"version\": \"2.12.0\"}$nl"
expect_eq "GET /version: Content-Type" "$(header Content-Type)" "application/json;charset=utf-8"
id1=$(header X-Toxiproxy-Request-Id)
expect_match "GET /version: X-Toxiproxy-Request-Id" "$id1" '.'
tp GET /version
id2=$(header X-Toxiproxy-Request-Id)
if [ -n "$id2" ] && [ "$id1" != "$id2" ]; then ok "each request gets its own request id"; else
	not_ok "each request gets its own request id" "got $id1 then $id2"; fi

# --- browsers are turned away -------------------------------------------------
for path in /version /proxies; do
	tp GET "$path" -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0'
	expect_eq "GET $path from a browser: 403" "$CODE" 403
	expect_eq "GET $path from a browser: User agent not allowed" "$RAW" "User agent not allowed$nl"
done
tpj POST /proxies "{\"name\":\"browser\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\"}" -A 'Mozilla/5.0'
expect_eq "POST /proxies from a browser: 403" "$CODE" 403
tp GET /proxies/browser
expect_eq "... and nothing was made" "$CODE" 404

# --- proxies: create, list, get -------------------------------------------------
tp GET /proxies
expect_eq "GET /proxies, none yet: 200" "$CODE" 200
expect_eq "GET /proxies, none yet: an empty object" "$RAW" "{}"
expect_eq "GET /proxies: application/json" "$(header Content-Type)" "application/json"
expect_match "GET /proxies: X-Toxiproxy-Request-Id" "$(header X-Toxiproxy-Request-Id)" '.'

tpj POST /proxies "{\"name\":\"one\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\"}"
expect_eq "POST /proxies: 201" "$CODE" 201
ONE=$(jq -r .listen <<<"$BODY" 2>/dev/null)
expect_match "POST /proxies: listen is the bound port" "$ONE" '^127\.0\.0\.1:[1-9][0-9]*$'
expect_eq "POST /proxies: the proxy, Toxiproxy's fields in its order" "$RAW" "$(proxy_text one "$ONE" "$UP" true)"
expect_eq "POST /proxies: application/json" "$(header Content-Type)" "application/json"
expect_match "POST /proxies: X-Toxiproxy-Request-Id" "$(header X-Toxiproxy-Request-Id)" '.'
tp GET /proxies/one
expect_eq "GET /proxies/one: 200" "$CODE" 200
expect_eq "GET /proxies/one: the same proxy" "$RAW" "$(proxy_text one "$ONE" "$UP" true)"
tp GET /proxies
expect_eq "GET /proxies: an object keyed by name" "$RAW" "{\"one\":$(proxy_text one "$ONE" "$UP" true)}"

tpj POST /proxies "{\"name\":\"one\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\"}"
expect_error "POST /proxies, a name that exists" 409 "proxy already exists"
tpj POST /proxies "{\"upstream\":\"$UP\"}"
expect_error "POST /proxies without name" 400 "missing required field: name"
tpj POST /proxies '{"name":"noup"}'
expect_error "POST /proxies without upstream" 400 "missing required field: upstream"
tpj POST /proxies '{"name":'
expect_eq "POST /proxies, not JSON: 400" "$CODE" 400
expect_match "POST /proxies, not JSON: bad request body" "$(shown)" '^\{"error":"bad request body: [^"]+","status":400\}\\n$'
expect_eq "POST /proxies, not JSON: text/plain" "$(header Content-Type)" "text/plain; charset=utf-8"
tpj POST /proxies "{\"name\":\"busy\",\"upstream\":\"$UP\",\"listen\":\"$CTL\"}"
expect_eq "POST /proxies on a port in use: 500" "$CODE" 500
expect_eq "POST /proxies on a port in use: Go's listen error" "$RAW" \
	"$(err "listen tcp $CTL: bind: address already in use" 500)$nl"
tp GET /proxies/busy
expect_eq "... and no proxy was left behind" "$CODE" 404
tp GET /proxies/nope
expect_error "GET an unknown proxy" 404 "proxy not found"
expect_match "an error carries X-Toxiproxy-Request-Id too" "$(header X-Toxiproxy-Request-Id)" '.'

# Listen addresses (checked on the wire, point 5).
tpj POST /proxies "{\"name\":\"off\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\",\"enabled\":false}"
expect_eq "a proxy created disabled: 201, listen exactly as given" "$CODE $RAW" "201 $(proxy_text off 127.0.0.1:0 "$UP" false)"
tpj POST /proxies "{\"name\":\"every\",\"upstream\":\"$UP\"}"
expect_match "no listen: every interface, reported as [::]:PORT" "$CODE $(jq -r .listen <<<"$BODY" 2>/dev/null)" '^201 \[::\]:[1-9][0-9]*$'
tpj POST /proxies "{\"name\":\"any4\",\"upstream\":\"$UP\",\"listen\":\"0.0.0.0:0\"}"
expect_match "0.0.0.0 is reported as [::]" "$CODE $(jq -r .listen <<<"$BODY" 2>/dev/null)" '^201 \[::\]:[1-9][0-9]*$'
for p in every any4; do tp DELETE /proxies/$p; done

# --- relaxed JSON (point 1) ----------------------------------------------------------
tpj POST /proxies "{\"NAME\":\"caps\",\"UpStream\":\"$UP\",\"LISTEN\":\"127.0.0.1:0\",\"color\":\"blue\",\"extra\":{\"a\":[1]}}"
expect_eq "keys in any case, unknown keys ignored: 201" "$CODE" 201
expect_eq "... the proxy as named" "$(jq -c '[.name, .upstream, .enabled]' <<<"$BODY" 2>/dev/null)" "[\"caps\",\"$UP\",true]"
tpj POST /proxies "{\"name\":\"nulls\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\",\"enabled\":null}"
expect_eq "enabled null is absent: enabled" "$CODE $(jq -c .enabled <<<"$BODY" 2>/dev/null)" "201 true"

# --- proxy update: POST and PATCH ---------------------------------------------------
tpj PATCH /proxies/caps '{"enabled":false}'
expect_eq "PATCH /proxies/caps: 200, disabled, the rest kept" "$CODE $(jq -c '[.name, .enabled, .upstream]' <<<"$BODY" 2>/dev/null)" "200 [\"caps\",false,\"$UP\"]"
tpj POST /proxies/caps '{"enabled":true}'
expect_eq "POST /proxies/caps: 200, enabled" "$CODE $(jq -c .enabled <<<"$BODY" 2>/dev/null)" "200 true"
tpj PATCH /proxies/caps '{"name":"renamed","upstream":"127.0.0.1:7"}'
expect_eq "an update cannot rename; upstream changes" "$CODE $(jq -c '[.name, .upstream]' <<<"$BODY" 2>/dev/null)" '200 ["caps","127.0.0.1:7"]'
tp GET /proxies/renamed
expect_eq "... no proxy by the new name" "$CODE" 404
tpj PATCH /proxies/nope '{"enabled":false}'
expect_error "PATCH an unknown proxy" 404 "proxy not found"
tpj POST /proxies/nope '{"enabled":false}'
expect_error "POST to an unknown proxy" 404 "proxy not found"
tpj PATCH /proxies/caps '{"enabled":"no"}'
expect_eq "PATCH with enabled a string: 400" "$CODE" 400
expect_match "... bad request body" "$(shown)" '^\{"error":"bad request body: [^"]+","status":400\}\\n$'

# --- toxics ---------------------------------------------------------------------------
tpj POST /proxies/one/toxics '{"type":"latency","attributes":{"latency":100,"jitter":10},"toxicity":0.5}'
expect_eq "POST a toxic: 200 (not 201)" "$CODE" 200
LAT=$(toxic_text '{"latency":100,"jitter":10}' latency_downstream latency downstream 0.5)
expect_eq "POST a toxic: name <type>_<stream>, stream downstream by default" "$RAW" "$LAT"
expect_eq "POST a toxic: application/json" "$(header Content-Type)" "application/json"
tpj POST /proxies/one/toxics '{"type":"latency","stream":"UpStream"}'
UPS=$(toxic_text '{"latency":0,"jitter":0}' latency_UpStream latency UpStream 1)
expect_eq "the stream is echoed as sent and names the toxic (point 6)" "$CODE $RAW" "200 $UPS"
tpj POST /proxies/one/toxics '{"Type":"slicer","NAME":"sl","Stream":"upstream","Attributes":{"Average_Size":5,"SIZE_VARIATION":1},"bogus":[1,2]}'
SL=$(toxic_text '{"average_size":5,"size_variation":1,"delay":0}' sl slicer upstream 1)
expect_eq "toxic keys in any case (Attributes.Average_Size), unknown keys ignored" "$CODE $RAW" "200 $SL"
tpj POST /proxies/one/toxics '{"name":null,"type":"bandwidth","stream":null,"toxicity":null,"attributes":null}'
BW=$(toxic_text '{"rate":0}' bandwidth_downstream bandwidth downstream 1)
expect_eq "null fields get the defaults" "$CODE $RAW" "200 $BW"
tpj POST /proxies/one/toxics '{"name":"odd","type":"noop","stream":"downstream","toxicity":2.5}'
expect_eq "toxicity is not range-checked: 2.5 kept" "$CODE $(jq -c .toxicity <<<"$BODY" 2>/dev/null)" "200 2.5"
tpj POST /proxies/one/toxics '{"name":"neg","type":"noop","toxicity":-1}'
expect_eq "toxicity is not range-checked: -1 kept" "$CODE $(jq -c .toxicity <<<"$BODY" 2>/dev/null)" "200 -1"
tpj POST /proxies/one/toxics '{"name":"nn","type":"noop","stream":"upstream"}'
NN=$(toxic_text '{}' nn noop upstream 1)
expect_eq "noop: empty attributes" "$CODE $RAW" "200 $NN"

tp GET /proxies/one/toxics
expect_eq "GET toxics: 200" "$CODE" 200
expect_eq "GET toxics: the upstream chain first, each in insertion order" "$(jq -c 'map(.name)' <<<"$BODY" 2>/dev/null)" \
	'["latency_UpStream","sl","nn","latency_downstream","bandwidth_downstream","odd","neg"]'
tp GET /proxies/one
expect_eq "GET the proxy: its toxics in the same order, whole" \
	"$(jq -c '.toxics[0:3], .toxics[3:5]' <<<"$BODY" 2>/dev/null | tr -d '\n')" "[$UPS,$SL,$NN][$LAT,$BW]"
tp GET /proxies/one/toxics/sl
expect_eq "GET a toxic: 200, the toxic" "$CODE $RAW" "200 $SL"
tp GET /proxies/one/toxics/nope
expect_error "GET an unknown toxic" 404 "toxic not found"
tp GET /proxies/nope/toxics/sl
expect_error "GET a toxic of an unknown proxy" 404 "proxy not found"
tp GET /proxies/nope/toxics
expect_error "GET toxics of an unknown proxy" 404 "proxy not found"
tpj POST /proxies/nope/toxics '{"type":"latency"}'
expect_error "POST a toxic to an unknown proxy" 404 "proxy not found"

# Errors, in Toxiproxy's order: JSON, stream, default name, type, duplicate, attributes.
tpj POST /proxies/one/toxics '{"type":"latency",'
expect_eq "a toxic that is not JSON: 400" "$CODE" 400
expect_match "... bad request body" "$(shown)" '^\{"error":"bad request body: [^"]+","status":400\}\\n$'
tpj POST /proxies/one/toxics '{"type":"nope","stream":"sideways"}'
expect_error "a bad stream (checked before the type)" 400 "stream was invalid, can be either upstream or downstream"
tpj POST /proxies/one/toxics '{"type":"nope","name":"sl"}'
expect_error "an unknown type (checked before the name)" 400 "invalid toxic type"
tpj POST /proxies/one/toxics '{"type":"latency","name":"sl","attributes":{"latency":"x"}}'
expect_error "a name used in the other stream (checked before the attributes)" 409 "toxic already exists"
tpj POST /proxies/one/toxics '{"type":"latency"}'
expect_error "a default name that exists" 409 "toxic already exists"
tpj POST /proxies/one/toxics '{"type":"latency","name":"s","attributes":{"latency":"100"}}'
expect_eq "a string for an integer attribute: 400" "$CODE" 400
expect_match "... bad request body: json: cannot unmarshal" "$(shown)" '^\{"error":"bad request body: json: cannot unmarshal [^"]*","status":400\}\\n$'
expect_eq "... text/plain" "$(header Content-Type)" "text/plain; charset=utf-8"
tpj POST /proxies/one/toxics '{"type":"limit_data","name":"f","attributes":{"bytes":1.5}}'
expect_eq "a float for an integer attribute: 400" "$CODE" 400
expect_match "... bad request body: json: cannot unmarshal" "$(shown)" '^\{"error":"bad request body: json: cannot unmarshal [^"]*","status":400\}\\n$'
tp GET /proxies/one/toxics
expect_eq "no bad request added a toxic" "$(jq length <<<"$BODY" 2>/dev/null)" 7

# Update: attributes merged, toxicity kept unless given, type/name/stream ignored.
tpj PATCH /proxies/one/toxics/latency_downstream '{"attributes":{"latency":200}}'
expect_eq "PATCH a toxic: 200, jitter and toxicity kept" "$CODE $RAW" \
	"200 $(toxic_text '{"latency":200,"jitter":10}' latency_downstream latency downstream 0.5)"
tpj POST /proxies/one/toxics/latency_downstream '{"toxicity":0}'
expect_eq "POST a toxic update: toxicity 0, attributes kept" "$CODE $RAW" \
	"200 $(toxic_text '{"latency":200,"jitter":10}' latency_downstream latency downstream 0)"
tpj PATCH /proxies/one/toxics/latency_downstream '{"type":"bandwidth","name":"zz","stream":"upstream","attributes":{"jitter":3},"toxicity":null}'
expect_eq "PATCH: type, name and stream ignored, null toxicity kept" "$CODE $RAW" \
	"200 $(toxic_text '{"latency":200,"jitter":3}' latency_downstream latency downstream 0)"
tpj PATCH /proxies/one/toxics/latency_downstream '{"Attributes":{"LATENCY":250}}'
expect_eq "PATCH: keys in any case" "$(jq -c .attributes <<<"$BODY" 2>/dev/null)" '{"latency":250,"jitter":3}'
tpj PATCH /proxies/one/toxics/latency_downstream '{"attributes":{"latency":"slow"}}'
expect_eq "PATCH with a string attribute: 400" "$CODE" 400
expect_match "... bad request body: json: cannot unmarshal" "$(shown)" '^\{"error":"bad request body: json: cannot unmarshal [^"]*","status":400\}\\n$'
tp GET /proxies/one/toxics/latency_downstream
expect_eq "... and the toxic is unchanged" "$(jq -c .attributes <<<"$BODY" 2>/dev/null)" '{"latency":250,"jitter":3}'
tpj PATCH /proxies/one/toxics/nope '{"toxicity":1}'
expect_error "PATCH an unknown toxic" 404 "toxic not found"
tpj PATCH /proxies/nope/toxics/sl '{"toxicity":1}'
expect_error "PATCH a toxic of an unknown proxy" 404 "proxy not found"

tpj POST /proxies/one '{"upstream":"127.0.0.1:8"}'
expect_eq "a proxy update keeps its toxics" "$CODE $(jq '.toxics | length' <<<"$BODY" 2>/dev/null)" "200 7"

# --- what standin itself shows ----------------------------------------------------------
tp GET /proxies/one
ONEUP=$(jq -r .upstream <<<"$BODY" 2>/dev/null)
tp GET /status
expect_eq "GET /status: the API's proxy is a service, on its bound address" \
	"$(jq -r '.services.one | .listen + " " + .upstream' <<<"$BODY" 2>/dev/null)" "$ONE $ONEUP"
expect_eq "GET /status: the scenario's services are there too" "$(jq -r '.services.ums.persona' <<<"$BODY" 2>/dev/null)" ums
tp GET /faults
expect_match "GET /faults: the proxy's latency toxic is a fault on service one" \
	"$(jq -c '[.faults[] | select(.fault.service == "one") | .fault.type] | sort' <<<"$BODY" 2>/dev/null)" '"latency".*"latency"'
expect_match "GET /faults: so is its slicer toxic" \
	"$(jq -c '[.faults[] | select(.fault.service == "one") | .fault.type] | sort' <<<"$BODY" 2>/dev/null)" '"slicer"'

# --- delete ------------------------------------------------------------------------------
tp DELETE /proxies/one/toxics/sl
expect_eq "DELETE a toxic: 204, empty" "$CODE [$RAW]" "204 []"
expect_match "DELETE a toxic: X-Toxiproxy-Request-Id" "$(header X-Toxiproxy-Request-Id)" '.'
tp DELETE /proxies/one/toxics/sl
expect_error "DELETE it again" 404 "toxic not found"
tp DELETE /proxies/nope/toxics/sl
expect_error "DELETE a toxic of an unknown proxy" 404 "proxy not found"
tp GET /faults
expect_eq "GET /faults: the deleted toxic is no longer a fault" \
	"$(jq -c '[.faults[] | select(.fault.service == "one" and .fault.type == "slicer")] | length' <<<"$BODY" 2>/dev/null)" 0

# --- reset ------------------------------------------------------------------------------
tpj PATCH /proxies/caps '{"enabled":false}'
tp POST /reset
# A deliberate difference (docs/control-api.md): standin's own reset answers
# 200 with what it removed; every Toxiproxy client takes any 2xx.
expect_eq "POST /reset: standin's 200, with its JSON (Toxiproxy: 204)" \
	"$CODE $(jq -c 'keys' <<<"$RAW" 2>/dev/null)" '200 ["phase","removed"]'
tp GET /proxies
expect_eq "reset removed every toxic" "$(jq -c '[to_entries[] | .value.toxics | length] | add' <<<"$BODY" 2>/dev/null)" 0
expect_eq "reset started every proxy" "$(jq -c '[.[] | .enabled] | all' <<<"$BODY" 2>/dev/null)" true
tp GET /faults
expect_eq "GET /faults: no toxic left as a fault" \
	"$(jq -c '[.faults[] | select(.fault.service == "one")] | length' <<<"$BODY" 2>/dev/null)" 0

tp DELETE /proxies/one
expect_eq "DELETE a proxy: 204, empty" "$CODE [$RAW]" "204 []"
tp DELETE /proxies/one
expect_error "DELETE it again" 404 "proxy not found"
tp GET /status
expect_eq "GET /status: the deleted proxy is no longer a service" "$(jq -c '.services.one' <<<"$BODY" 2>/dev/null)" null
tpj POST /proxies "{\"name\":\"one\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\"}"
expect_eq "its name is free again, with no toxics" "$CODE $(jq -c .toxics <<<"$BODY" 2>/dev/null)" "201 []"

# --- populate --------------------------------------------------------------------------
tpj POST /populate '[]'
expect_eq "populate []: 201" "$CODE" 201
expect_eq "populate []: proxies null" "$RAW" '{"proxies":null}'
expect_eq "populate: application/json" "$(header Content-Type)" "application/json"

tpj POST /populate "[{\"name\":\"p1\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\",\"toxics\":[{\"type\":\"latency\"}]},
	{\"name\":\"p2\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\",\"enabled\":null},
	{\"name\":\"p3\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\",\"enabled\":false}]"
expect_eq "populate three: 201" "$CODE" 201
expect_eq "populate: the proxies in the order given" "$(jq -c '[.proxies[] | .name]' <<<"$BODY" 2>/dev/null)" '["p1","p2","p3"]'
expect_eq "populate: enabled null or absent is true; false is false" "$(jq -c '[.proxies[] | .enabled]' <<<"$BODY" 2>/dev/null)" '[true,true,false]'
# Better than Toxiproxy (its #447, docs/control-api.md): the toxics an entry
# carries are made.
expect_eq "populate: an entry's toxics are made (Toxiproxy ignores them, #447)" \
	"$(jq -c '.proxies[0].toxics | map([.name, .type, .stream, .toxicity])' <<<"$BODY" 2>/dev/null)" \
	'[["latency_downstream","latency","downstream",1]]'
P1=$(jq -r '.proxies[0].listen' <<<"$BODY" 2>/dev/null)
P2=$(jq -r '.proxies[1].listen' <<<"$BODY" 2>/dev/null)
expect_eq "populate: each proxy written as Toxiproxy writes one" "$(jq -c '.proxies[1]' <<<"$BODY" 2>/dev/null)" "$(proxy_text p2 "$P2" "$UP" true)"

tpj POST /proxies/p1/toxics '{"type":"latency","attributes":{"latency":5}}'
tpj POST /proxies/p2/toxics '{"type":"latency","attributes":{"latency":5}}'
tpj POST /populate "[{\"name\":\"p1\",\"upstream\":\"$UP\",\"listen\":\"$P1\"},{\"name\":\"p2\",\"upstream\":\"127.0.0.1:6\",\"listen\":\"127.0.0.1:0\"}]"
expect_eq "populate again: 201" "$CODE" 201
expect_eq "same listen and upstream: kept with its toxics" "$(jq -c '.proxies[0] | [.listen, (.toxics | length)]' <<<"$BODY" 2>/dev/null)" "[\"$P1\",1]"
expect_eq "another upstream: replaced, its toxics lost" "$(jq -c '.proxies[1] | [.upstream, (.toxics | length)]' <<<"$BODY" 2>/dev/null)" '["127.0.0.1:6",0]'
tp GET /proxies/p3
expect_eq "proxies missing from the input are not deleted" "$CODE" 200

# Populate's errors are JSON, with "proxies".
tpj POST /populate "[{\"name\":\"q1\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\"},{\"upstream\":\"$UP\"}]"
expect_eq "populate, a proxy without name: 400" "$CODE" 400
expect_eq "... the error names the proxy, proxies null" "${RAW%$nl}" '{"error":"missing required field: name at proxy 2","status":400,"proxies":null}'
expect_eq "... application/json" "$(header Content-Type)" "application/json"
tp GET /proxies/q1
expect_eq "... validation came first: q1 was not made" "$CODE" 404
tpj POST /populate "[{\"name\":\"q2\"}]"
expect_eq "populate, a proxy without upstream" "$CODE ${RAW%$nl}" '400 {"error":"missing required field: upstream at proxy 1","status":400,"proxies":null}'
tpj POST /populate '{"name":"q3"}'
expect_eq "populate, not an array: 400" "$CODE" 400
expect_match "... bad request body, proxies null" "$(shown)" '^\{"error":"bad request body: [^"]+","status":400,"proxies":null\}(\\n)?$'
tpj POST /populate "[{\"name\":\"q4\",\"upstream\":\"$UP\",\"listen\":\"127.0.0.1:0\"},{\"name\":\"q5\",\"upstream\":\"$UP\",\"listen\":\"$CTL\"}]"
expect_eq "populate, the second cannot listen: 500 (point 4)" "$CODE" 500
expect_eq "... application/json" "$(header Content-Type)" "application/json"
expect_eq "... the status in the body, and the proxy made before it" "$(jq -c '[.status, [.proxies[]? | .name]]' <<<"$BODY" 2>/dev/null)" '[500,["q4"]]'
tp GET /proxies/q4
expect_eq "... q4 stays" "$CODE" 200
tp GET /proxies/q5
expect_eq "... q5 was not made" "$CODE" 404

# --- the router: 405, 404 ------------------------------------------------------------------
for mp in "PUT /proxies" "DELETE /proxies" "GET /populate" "PUT /proxies/p1" "PUT /proxies/p1/toxics" \
	"DELETE /proxies/p1/toxics" "PUT /proxies/p1/toxics/x" "POST /version" "DELETE /version"; do
	tp ${mp% *} "${mp#* }"
	expect_eq "$mp: 405, empty body, no Allow" "$CODE [$RAW] [$(header Allow)]" "405 [] []"
done
tp GET /proxies/
expect_eq "GET /proxies/ (trailing slash): 404 page not found, text" "$CODE $RAW" "404 404 page not found$nl"
expect_eq "GET /proxies/: text/plain" "$(header Content-Type)" "text/plain; charset=utf-8"
for path in /proxies/p1/nothing /proxies/p1/toxics/x/y /proxies/p1/toxics/; do
	tp GET "$path"
	expect_eq "GET $path (no such route): 404 page not found" "$CODE $RAW" "404 404 page not found$nl"
done

kill -0 "$PID" 2>/dev/null
expect_eq "standin still runs" "$?" 0
done_testing
