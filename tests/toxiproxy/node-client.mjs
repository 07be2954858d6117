// node-client.mjs BASE-URL ECHO-ADDR NODE-MODULES: drives standin's
// Toxiproxy-compatible API with toxiproxy-node-client (npm, 4.x), every
// call of its API, and checks what it returns and what went over the wire
// against Toxiproxy 2.12.0 (shared/reference/toxiproxy-api.md).
//
// Prints one line per check, "ok - ..." or "not ok - ..." (with "#   "
// lines under a failure), and "# done" last; tests/e2e-toxiproxy-node.sh
// counts them.
//
// Every response the client reads is seen here too: global fetch (which
// the client uses) is wrapped so that the raw status, headers and body of
// the last exchange are kept in `wire`.
import { createRequire } from "node:module";
import path from "node:path";

const [base, echo, modules] = process.argv.slice(2);
const require = createRequire(path.join(modules, "noop.js"));
const client = require("toxiproxy-node-client");
const { Toxiproxy, Proxy, Toxic, ToxiproxyError } = client;

let wire = null;
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
	wire = { method: init.method || "GET", url: String(url), sent: init.body,
		sentHeaders: init.headers || {}, status: null, headers: null, text: null };
	const res = await realFetch(url, init);
	wire.status = res.status;
	wire.headers = res.headers;
	wire.text = await res.clone().text();
	return res;
};

let failures = 0;
function ok(desc) { console.log(`ok - ${desc}`); }
function notOk(desc, ...lines) {
	failures++;
	console.log(`not ok - ${desc}`);
	for (const l of lines) console.log(`#   ${l}`);
}
function eq(desc, got, want) {
	const g = typeof got === "string" ? got : JSON.stringify(got);
	const w = typeof want === "string" ? want : JSON.stringify(want);
	if (g === w) ok(desc);
	else notOk(desc, `got:      ${JSON.stringify(got)}`, `expected: ${JSON.stringify(want)}`);
}
function match(desc, got, re) {
	if (typeof got === "string" && re.test(got)) ok(desc);
	else notOk(desc, `got:      ${JSON.stringify(got)}`, `expected to match: ${re}`);
}
function wireIs(desc, status, text, type = "application/json") {
	eq(`${desc}: status ${status}`, wire && wire.status, status);
	if (text !== undefined) eq(`${desc}: the body`, wire && wire.text, text);
	if (type !== null) eq(`${desc}: Content-Type`, wire && wire.headers.get("content-type"), type);
}
// body: the last answer parsed, or null if it was not JSON.
function body() {
	try { return JSON.parse(wire.text); } catch { return null; }
}
function errorBody(msg, status) { return JSON.stringify({ error: msg, status }) + "\n"; }
// expectError DESC PROMISE STATUS MESSAGE: the client rejects with
// "Request failed with status code N", and the body was Toxiproxy's error.
async function expectError(desc, call, status, message) {
	try {
		const v = await call();
		notOk(`${desc}: the client raises`, `it resolved to ${JSON.stringify(v)}`);
		return;
	} catch (e) {
		if (e instanceof ToxiproxyError && e.message === `Request failed with status code ${status}`)
			ok(`${desc}: the client raises "${e.message}"`);
		else notOk(`${desc}: the client raises "Request failed with status code ${status}"`,
			`got: ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
	}
	if (message !== undefined) {
		eq(`${desc}: the error body`, wire && wire.text, errorBody(message, status));
		eq(`${desc}: the error is text/plain`, wire && wire.headers.get("content-type"),
			"text/plain; charset=utf-8");
	}
}
// proxyText: a proxy as Toxiproxy marshals it, field order included.
function proxyText(name, listen, upstream, enabled, toxics = "[]") {
	return `{"name":${JSON.stringify(name)},"listen":${JSON.stringify(listen)},` +
		`"upstream":${JSON.stringify(upstream)},"enabled":${enabled},"Logger":{},"toxics":${toxics}}`;
}
function toxicText(attrs, name, type, stream, toxicity) {
	return `{"attributes":${attrs},"name":${JSON.stringify(name)},"type":${JSON.stringify(type)},` +
		`"stream":${JSON.stringify(stream)},"toxicity":${toxicity}}`;
}
async function step(desc, fn) {
	try {
		return await fn();
	} catch (e) {
		notOk(desc, `threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`,
			`last exchange: ${wire && wire.method} ${wire && wire.url} -> ${wire && wire.status} ${JSON.stringify(wire && wire.text)}`);
		return undefined;
	}
}

const tp = new Toxiproxy(base);
const listenRe = /^127\.0\.0\.1:([1-9][0-9]*)$/;

// --- getVersion --------------------------------------------------------
const version = await step("getVersion", () => tp.getVersion());
eq("getVersion: Toxiproxy's version, as text, with its newline", version, '{"version": "2.12.0"}\n');
wireIs("GET /version", 200, undefined, "application/json;charset=utf-8");
match("every answer carries X-Toxiproxy-Request-Id", wire.headers.get("x-toxiproxy-request-id") || "", /./);

// --- getAll on a fresh server ------------------------------------------
let all = await step("getAll, no proxy yet", () => tp.getAll());
eq("getAll: no proxy yet", all && Object.keys(all), []);
wireIs("GET /proxies, none", 200, "{}");

// --- createProxy --------------------------------------------------------
const alpha = await step("createProxy alpha", () =>
	tp.createProxy({ name: "alpha", listen: "127.0.0.1:0", upstream: echo }));
eq("createProxy: sends POST /proxies with JSON", [wire.method, wire.url, wire.sentHeaders["Content-Type"]],
	["POST", `${base}/proxies`, "application/json"]);
const createdText = wire.text;
eq("createProxy: the Proxy's name, upstream, enabled", alpha && [alpha.name, alpha.upstream, alpha.enabled],
	["alpha", echo, true]);
match("createProxy: listen is the bound address (port 0 became a port)", alpha && alpha.listen, listenRe);
const alphaListen = alpha ? alpha.listen : "?";
// Later steps go on with a stand-in object if a call failed.
const alphaP = alpha || new Proxy(tp, { name: "alpha", listen: alphaListen, upstream: echo, enabled: true });
wireIs("POST /proxies", 201, proxyText("alpha", alphaListen, echo, true));
match("POST /proxies: X-Toxiproxy-Request-Id", wire.headers.get("x-toxiproxy-request-id") || "", /./);

await expectError("createProxy with a name that exists: 409",
	() => tp.createProxy({ name: "alpha", listen: "127.0.0.1:0", upstream: echo }), 409, "proxy already exists");
await expectError("createProxy without upstream: 400",
	() => tp.createProxy({ name: "nowhere", listen: "127.0.0.1:0" }), 400, "missing required field: upstream");
await expectError("createProxy without name: 400",
	() => tp.createProxy({ listen: "127.0.0.1:0", upstream: echo }), 400, "missing required field: name");

const beta = await step("createProxy beta, disabled", () =>
	tp.createProxy({ name: "beta", listen: "127.0.0.1:0", upstream: echo, enabled: false }));
eq("createProxy disabled: enabled false, listen as given", beta && [beta.enabled, beta.listen], [false, "127.0.0.1:0"]);
wireIs("POST /proxies disabled", 201, proxyText("beta", "127.0.0.1:0", echo, false));

// --- get -----------------------------------------------------------------
const got = await step("get alpha", () => tp.get("alpha"));
eq("get: the same proxy", got && [got.name, got.listen, got.upstream, got.enabled], ["alpha", alphaListen, echo, true]);
wireIs("GET /proxies/alpha", 200, createdText);
await expectError("get an unknown proxy: 404", () => tp.get("nope"), 404, "proxy not found");

// --- getAll ---------------------------------------------------------------
all = await step("getAll", () => tp.getAll());
eq("getAll: both proxies, by name", all && Object.keys(all).sort(), ["alpha", "beta"]);
eq("getAll: Proxy objects with their fields", all && [all.alpha instanceof Proxy, all.alpha?.listen, all.beta?.enabled],
	[true, alphaListen, false]);
wireIs("GET /proxies", 200);
let raw = body() || {};
eq("GET /proxies: each value is the proxy as GET /proxies/NAME gives it", JSON.stringify(raw.alpha), createdText);
eq("GET /proxies: beta as created", JSON.stringify(raw.beta), proxyText("beta", "127.0.0.1:0", echo, false));

// --- addToxic, every type ------------------------------------------------------
// [body sent, name expected, attributes text expected, stream, toxicity]
const toxicCases = [
	[{ type: "latency", stream: "upstream", attributes: { latency: 100, jitter: 10 } },
		"latency_upstream", '{"latency":100,"jitter":10}', "upstream", "1"],
	[{ name: "bw", type: "bandwidth", stream: "downstream", toxicity: 0.5, attributes: { rate: 64 } },
		"bw", '{"rate":64}', "downstream", "0.5"],
	[{ type: "slow_close", attributes: { delay: 50 } },
		"slow_close_downstream", '{"delay":50}', "downstream", "1"],
	[{ name: "to", type: "timeout", stream: "upstream", attributes: { timeout: 2000 } },
		"to", '{"timeout":2000}', "upstream", "1"],
	[{ name: "rp", type: "reset_peer", stream: "downstream", toxicity: 0.25, attributes: { timeout: 10 } },
		"rp", '{"timeout":10}', "downstream", "0.25"],
	[{ name: "sl", type: "slicer", stream: "upstream", attributes: { average_size: 8, size_variation: 2, delay: 10 } },
		"sl", '{"average_size":8,"size_variation":2,"delay":10}', "upstream", "1"],
	[{ name: "ld", type: "limit_data", stream: "downstream", attributes: { bytes: 1000 } },
		"ld", '{"bytes":1000}', "downstream", "1"],
	[{ name: "nn", type: "noop", stream: "upstream" },
		"nn", "{}", "upstream", "1"],
	[{ name: "lat0", type: "latency" },
		"lat0", '{"latency":0,"jitter":0}', "downstream", "1"],
];
const toxicTexts = {};
const toxics = {};
// tox NAME: the Toxic the client returned, or one made here if that failed.
const tox = (name) => toxics[name] || new Toxic(tp.getApi(), alphaP.getPath(), { name });
for (const [body, name, attrs, stream, toxicity] of toxicCases) {
	const t = await step(`addToxic ${body.type}`, () => alphaP.addToxic(body));
	if (!t) continue;
	toxics[name] = t;
	eq(`addToxic ${body.type}: sends POST /proxies/alpha/toxics`, [wire.method, wire.url], ["POST", `${base}/proxies/alpha/toxics`]);
	eq(`addToxic ${body.type}: the Toxic's fields`, [t instanceof Toxic, t.name, t.type, t.stream, t.toxicity, JSON.stringify(t.attributes)],
		[true, name, body.type, stream, Number(toxicity), attrs]);
	toxicTexts[name] = toxicText(attrs, name, body.type, stream, toxicity);
	wireIs(`POST toxics ${body.type} (200, not 201)`, 200, toxicTexts[name]);
}

await expectError("addToxic with a name used in the other stream: 409",
	() => alphaP.addToxic({ name: "bw", type: "latency", stream: "upstream" }), 409, "toxic already exists");
await expectError("addToxic with a default name that exists: 409",
	() => alphaP.addToxic({ type: "latency", stream: "upstream" }), 409, "toxic already exists");
await expectError("addToxic of an unknown type: 400",
	() => alphaP.addToxic({ name: "x", type: "nope" }), 400, "invalid toxic type");
await expectError("addToxic on a bad stream: 400",
	() => alphaP.addToxic({ name: "x", type: "latency", stream: "sideways" }), 400,
	"stream was invalid, can be either upstream or downstream");
const ghost = new Proxy(tp, { name: "ghost", listen: "127.0.0.1:1", upstream: echo, enabled: true });
await expectError("addToxic on an unknown proxy: 404", () => ghost.addToxic({ type: "latency" }), 404, "proxy not found");

// --- the proxy with its toxics: upstream chain first ----------------------
const upOrder = ["latency_upstream", "to", "sl", "nn"];
const downOrder = ["bw", "slow_close_downstream", "rp", "ld", "lat0"];
const chainText = "[" + [...upOrder, ...downOrder].map((n) => toxicTexts[n]).join(",") + "]";
await step("get alpha with toxics", () => tp.get("alpha"));
wireIs("GET /proxies/alpha: toxics, upstream chain first, each in insertion order", 200,
	proxyText("alpha", alphaListen, echo, true, chainText));
const listed = await step("GET toxics through getApi()", () => tp.getApi().get(`${base}/proxies/alpha/toxics`));
eq("GET /proxies/alpha/toxics: the same list", listed && JSON.stringify(listed.data), chainText);
wireIs("GET /proxies/alpha/toxics", 200, chainText);
await expectError("GET toxics of an unknown proxy: 404", () => tp.getApi().get(`${base}/proxies/ghost/toxics`), 404, "proxy not found");

// --- getToxic ----------------------------------------------------------------
for (const name of ["latency_upstream", "sl", "nn"]) {
	const t = await step(`getToxic ${name}`, () => alphaP.getToxic(name));
	eq(`getToxic ${name}: the Toxic`, t && [t.name, t.type, t.stream], [name, toxics[name] && toxics[name].type, toxics[name] && toxics[name].stream]);
	wireIs(`GET /proxies/alpha/toxics/${name}`, 200, toxicTexts[name]);
}
await expectError("getToxic unknown: 404", () => alphaP.getToxic("nope"), 404, "toxic not found");
await expectError("getToxic on an unknown proxy: 404", () => ghost.getToxic("bw"), 404, "proxy not found");

// --- Toxic.update (the client POSTs): attributes merged, the rest kept --------
let t2 = await step("update bw's rate", () => tox("bw").update({ attributes: { rate: 128 } }));
eq("Toxic.update: sends POST to the toxic", [wire.method, wire.url], ["POST", `${base}/proxies/alpha/toxics/bw`]);
eq("Toxic.update: rate changed, toxicity kept", t2 && [t2.name, t2.toxicity, JSON.stringify(t2.attributes)], ["bw", 0.5, '{"rate":128}']);
wireIs("POST /proxies/alpha/toxics/bw", 200, toxicText('{"rate":128}', "bw", "bandwidth", "downstream", "0.5"));
t2 = await step("update latency's jitter", () => tox("latency_upstream").update({ attributes: { jitter: 0 } }));
wireIs("update of one attribute: the others kept", 200,
	toxicText('{"latency":100,"jitter":0}', "latency_upstream", "latency", "upstream", "1"));
t2 = await step("update sl's toxicity", () => tox("sl").update({ toxicity: 0.75 }));
wireIs("update of toxicity alone: the attributes kept", 200,
	toxicText('{"average_size":8,"size_variation":2,"delay":10}', "sl", "slicer", "upstream", "0.75"));
t2 = await step("update with type, name and stream", () =>
	tox("ld").update({ name: "renamed", type: "latency", stream: "upstream", attributes: { bytes: 2000 } }));
wireIs("update: type, name and stream in the body are ignored", 200,
	toxicText('{"bytes":2000}', "ld", "limit_data", "downstream", "1"));
// Toxiproxy also takes PATCH here (what its Go client sends).
const patched = await step("PATCH a toxic", () => fetch(`${base}/proxies/alpha/toxics/rp`, {
	method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ attributes: { timeout: 20 } }) }));
wireIs("PATCH /proxies/alpha/toxics/rp", 200, toxicText('{"timeout":20}', "rp", "reset_peer", "downstream", "0.25"));
const lost = new Toxic(tp.getApi(), alphaP.getPath(), { name: "nope" });
await expectError("update an unknown toxic: 404", () => lost.update({ toxicity: 0 }), 404, "toxic not found");
await expectError("update a toxic of an unknown proxy: 404",
	() => new Toxic(tp.getApi(), ghost.getPath(), { name: "bw" }).update({ toxicity: 0 }), 404, "proxy not found");
await expectError("update with a string for an integer attribute: 400",
	() => tox("bw").update({ attributes: { rate: "fast" } }), 400);
match("... the body says bad request body", wire.text, /^\{"error":"bad request body: [^"]*","status":400\}\n$/);

// --- Toxic.remove --------------------------------------------------------------
await step("remove nn", () => tox("nn").remove());
eq("Toxic.remove: sends DELETE", [wire.method, wire.url], ["DELETE", `${base}/proxies/alpha/toxics/nn`]);
wireIs("DELETE /proxies/alpha/toxics/nn: 204, empty", 204, "", null);
await expectError("remove it again: 404", () => tox("nn").remove(), 404, "toxic not found");
await step("list after remove", () => tp.getApi().get(`${base}/proxies/alpha/toxics`));
eq("the removed toxic is gone, the others stay in order",
	Array.isArray(body()) ? body().map((t) => t.name) : body(),
	["latency_upstream", "to", "sl", "bw", "slow_close_downstream", "rp", "ld", "lat0"]);

// --- Proxy.update (the client POSTs) ---------------------------------------------
let up = await step("disable alpha", () => alphaP.update({ enabled: false }));
eq("Proxy.update: sends POST /proxies/alpha", [wire.method, wire.url], ["POST", `${base}/proxies/alpha`]);
eq("Proxy.update enabled:false: disabled, the rest kept", up && [up.name, up.enabled, up.listen, up.upstream],
	["alpha", false, alphaListen, echo]);
wireIs("POST /proxies/alpha", 200);
eq("... with its toxics", body()?.toxics?.length, 8);
up = await step("enable alpha", () => alphaP.update({ enabled: true }));
eq("Proxy.update enabled:true: enabled again on the same address", up && [up.enabled, up.listen], [true, alphaListen]);
up = await step("alpha's upstream changed", () => alphaP.update({ upstream: "127.0.0.1:9" }));
eq("Proxy.update upstream: the new upstream, still enabled", up && [up.upstream, up.enabled], ["127.0.0.1:9", true]);
eq("... toxics kept", body()?.toxics?.length, 8);
up = await step("alpha's upstream back", () => alphaP.update({ upstream: echo, name: "renamed" }));
eq("Proxy.update: name in the body is ignored", up && [up.name, up.upstream], ["alpha", echo]);
await expectError("update an unknown proxy: 404", () => ghost.update({ enabled: false }), 404, "proxy not found");
await expectError("update with enabled a string: 400", () => alphaP.update({ enabled: "yes" }), 400);
match("... the body says bad request body", wire.text, /^\{"error":"bad request body: [^"]*","status":400\}\n$/);

// --- populate -------------------------------------------------------------------------
let pop = await step("populate", () => tp.populate([
	{ name: "alpha", listen: alphaListen, upstream: echo },
	{ name: "gamma", listen: "127.0.0.1:0", upstream: echo },
]));
eq("populate: sends POST /populate", [wire.method, wire.url], ["POST", `${base}/populate`]);
eq("populate: both proxies", pop && Object.keys(pop).sort(), ["alpha", "gamma"]);
wireIs("POST /populate", 201);
raw = body() || {};
eq("POST /populate: {proxies:[...]} in the order given", Array.isArray(raw.proxies) ? raw.proxies.map((p) => p.name) : raw.proxies, ["alpha", "gamma"]);
eq("populate: alpha, same listen and upstream, kept with its toxics",
	raw.proxies?.[0] && [raw.proxies[0].listen, raw.proxies[0].toxics?.length], [alphaListen, 8]);
match("populate: gamma listens on a port of its own", pop && pop.gamma && pop.gamma.listen, listenRe);
const gammaText = pop && pop.gamma ? proxyText("gamma", pop.gamma.listen, echo, true) : "?";
eq("populate: gamma as Toxiproxy writes a proxy", raw.proxies && JSON.stringify(raw.proxies[1]), gammaText);
await expectError("populate with a proxy without a name: 400",
	() => tp.populate([{ name: "delta", listen: "127.0.0.1:0", upstream: echo }, { listen: "127.0.0.1:0", upstream: echo }]), 400);
eq("... the body carries proxies", wire.text && wire.text.replace(/\n$/, ""),
	'{"error":"missing required field: name at proxy 2","status":400,"proxies":null}');
eq("... in application/json", wire.headers.get("content-type"), "application/json");
await expectError("populate's validation runs first: delta was not made", () => tp.get("delta"), 404, "proxy not found");

// --- reset -------------------------------------------------------------------------------
await step("reset", () => tp.reset());
eq("reset: POST /reset, no body, no Content-Type", [wire.method, wire.url, wire.sent, wire.sentHeaders["Content-Type"]],
	["POST", `${base}/reset`, undefined, undefined]);
// A deliberate difference (docs/control-api.md): standin's reset answers
// 200 with its own JSON; the client takes any 2xx.
eq("POST /reset: standin's 200 (Toxiproxy: 204), which the client takes", wire && wire.status, 200);
eq("POST /reset: standin's JSON body", Object.keys(body() || {}).sort(), ["phase", "removed"]);
await step("after reset", () => tp.getAll());
raw = body() || {};
eq("reset removes every toxic", Object.keys(raw).sort().map((n) => `${n}:${raw[n]?.toxics?.length}`),
	["alpha:0", "beta:0", "gamma:0"]);
eq("reset starts every proxy (beta was disabled)", raw.beta && raw.beta.enabled, true);
eq("alpha keeps its address through reset", raw.alpha && raw.alpha.listen, alphaListen);

// --- Proxy.remove ---------------------------------------------------------------------------
await step("remove alpha", () => alphaP.remove());
eq("Proxy.remove: sends DELETE /proxies/alpha", [wire.method, wire.url], ["DELETE", `${base}/proxies/alpha`]);
wireIs("DELETE /proxies/alpha: 204, empty", 204, "", null);
await expectError("get a removed proxy: 404", () => tp.get("alpha"), 404, "proxy not found");
await expectError("remove it again: 404", () => alphaP.remove(), 404, "proxy not found");
all = await step("getAll at the end", () => tp.getAll());
eq("getAll: the proxies left", all && Object.keys(all).sort(), ["beta", "gamma"]);
// The name is free again.
const again = await step("createProxy alpha again", () => tp.createProxy({ name: "alpha", listen: "127.0.0.1:0", upstream: echo }));
eq("a removed proxy's name can be used again", again && again.name, "alpha");
eq("... with no toxics", body()?.toxics, []);

console.log("# done");
process.exit(0);
