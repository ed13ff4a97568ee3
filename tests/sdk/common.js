"use strict";
/*
 * Shared by v03/run.js and v07/run.js: browser shims, a recording fetch wrapper with a small
 * cookie jar, JSON-safe serialisation of the SDK's results and errors, and the step loop.
 *
 * Protocol (see ../harness.py and README.md in this folder):
 *   node run.js <scenario.json>
 *   scenario = {"apiUrl": ..., "channel": ..., "steps": [...],
 *               "interactive": false,      // true: after "steps", read more steps from stdin, one JSON per line
 *               "storageFile": null,       // load localStorage from this JSON file at start, save it after each step
 *               "settleMs": 60,            // a step ends when no request has been in flight for this long
 *               "stepTimeoutMs": 30000,    // a step that takes longer is a crash (exit 2)
 *               "recordErrors": false}     // true: each request also records the GraphQL errors answered
 *   stdout: exactly one JSON line per step: {"step", "op", "data", "dataError", "functionError",
 *           "requests", "state", ...}. Everything the SDK logs goes to stderr.
 *   exit 0 when every step ran (SDK errors are data); non-zero on a crash, with the reason on stderr.
 */

const fs = require("fs");
const readline = require("readline");

// ---------------------------------------------------------------------------------------------
// Shims: must be installed BEFORE the SDK is required.

class MemoryStorage {
  constructor(initial) {
    this._data = new Map(Object.entries(initial || {}));
  }
  get length() {
    return this._data.size;
  }
  key(index) {
    return Array.from(this._data.keys())[index] ?? null;
  }
  getItem(name) {
    const key = String(name);
    return this._data.has(key) ? this._data.get(key) : null;
  }
  setItem(name, value) {
    this._data.set(String(name), String(value));
  }
  removeItem(name) {
    this._data.delete(String(name));
  }
  clear() {
    this._data.clear();
  }
  toJSON() {
    return Object.fromEntries(this._data);
  }
}

function installShims(storageFile) {
  let initial = {};
  if (storageFile && fs.existsSync(storageFile)) {
    initial = JSON.parse(fs.readFileSync(storageFile, "utf8") || "{}");
  }
  const storage = new MemoryStorage(initial);
  globalThis.window = globalThis;
  globalThis.localStorage = storage;
  // Node 20 has no `navigator`; Node 21+ has a read-only one.
  if (typeof globalThis.navigator === "undefined") {
    globalThis.navigator = { onLine: true, userAgent: "node" };
  } else {
    try {
      Object.defineProperty(globalThis.navigator, "onLine", { value: true, configurable: true });
    } catch (e) {
      // keep Node's value
    }
  }
  globalThis.addEventListener = () => {};
  globalThis.removeEventListener = () => {};
  globalThis.dispatchEvent = () => true;
  if (typeof globalThis.Event === "undefined") {
    globalThis.Event = class Event {
      constructor(type) {
        this.type = type;
      }
    };
  }
  // stdout carries only the harness's JSON lines: send the SDK's own logging to stderr.
  for (const name of ["log", "info", "debug"]) {
    console[name] = (...args) => console.error(...args);
  }
  return storage;
}

function saveStorage(storage, storageFile) {
  if (storageFile) {
    fs.writeFileSync(storageFile, JSON.stringify(storage.toJSON()));
  }
}

// ---------------------------------------------------------------------------------------------
// Recording fetch: what the SDK sent (operation names, batched or not, auth headers, status),
// requests in flight (to know when a step has settled), and a per-host cookie jar because the
// SDK asks for `credentials: "include"` as a browser would.

function headerValue(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === "function") return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function setCookies(response) {
  const headers = response.headers;
  if (typeof headers.getSetCookie === "function") return headers.getSetCookie();
  if (typeof headers.raw === "function") return headers.raw()["set-cookie"] || [];
  const single = headers.get && headers.get("set-cookie");
  return single ? [single] : [];
}

// The GraphQL errors of a response body (one result or a batch of them), each with the operation it
// answered and its `extensions.exception.code` (what both SDKs act on): [{operation, code, message}].
function graphqlErrors(text, operations) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return [{ operation: null, code: null, message: `not JSON: ${text.slice(0, 200)}` }];
  }
  const results = Array.isArray(body) ? body : [body];
  const errors = [];
  results.forEach((result, index) => {
    for (const error of (result && result.errors) || []) {
      const extensions = (error && error.extensions) || {};
      errors.push({
        operation: (operations && operations[index]) ?? null,
        code: (extensions.exception && extensions.exception.code) ?? extensions.code ?? null,
        message: error && error.message,
      });
    }
  });
  return errors;
}

function createRecorder({ recordErrors = false } = {}) {
  const recorder = {
    inflight: 0,
    lastActivity: Date.now(),
    requests: [],
    cookies: new Map(), // host -> Map(name -> value)
    reads: new Set(), // body reads under way (recordErrors)
  };

  recorder.wrap = realFetch =>
    async function recordingFetch(input, init = {}) {
      const url = typeof input === "string" ? input : input.url || String(input);
      let host = "";
      try {
        host = new URL(url).host;
      } catch (e) {
        // relative URL: no cookies
      }
      const jar = recorder.cookies.get(host);
      if (jar && jar.size) {
        const cookie = Array.from(jar, ([k, v]) => `${k}=${v}`).join("; ");
        if (init.headers && typeof init.headers.set === "function") {
          init.headers.set("cookie", cookie);
        } else {
          init = { ...init, headers: { ...(init.headers || {}), cookie } };
        }
      }
      const entry = { url, batched: false, operations: [] };
      try {
        const body = JSON.parse(typeof init.body === "string" ? init.body : String(init.body));
        entry.batched = Array.isArray(body);
        entry.operations = (entry.batched ? body : [body]).map(op => op && op.operationName);
      } catch (e) {
        entry.operations = null;
      }
      for (const name of ["authorization", "authorization-bearer"]) {
        const value = headerValue(init.headers, name);
        if (value !== undefined && value !== null) entry[name] = value;
      }
      recorder.requests.push(entry);
      recorder.inflight += 1;
      recorder.lastActivity = Date.now();
      try {
        const response = await realFetch(input, init);
        entry.status = response.status;
        if (recordErrors) {
          // Read a copy of the body without holding the SDK up; flush() waits for it before the line is printed.
          const read = response
            .clone()
            .text()
            .then(
              text => {
                entry.errors = graphqlErrors(text, entry.operations);
              },
              error => {
                entry.errors = [{ operation: null, code: null, message: `unreadable: ${error}` }];
              }
            )
            .finally(() => recorder.reads.delete(read));
          recorder.reads.add(read);
        }
        for (const line of setCookies(response)) {
          const [pair, ...attrs] = line.split(";");
          const eq = pair.indexOf("=");
          if (eq < 1) continue;
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          const expired = attrs.some(a => {
            const [k, v] = a.split("=").map(s => (s || "").trim().toLowerCase());
            return (k === "max-age" && Number(v) <= 0) || (k === "expires" && Date.parse(v) < Date.now());
          });
          if (!recorder.cookies.has(host)) recorder.cookies.set(host, new Map());
          if (expired || value === "") recorder.cookies.get(host).delete(name);
          else recorder.cookies.get(host).set(name, value);
        }
        return response;
      } catch (error) {
        entry.error = String((error && error.message) || error);
        throw error;
      } finally {
        recorder.inflight -= 1;
        recorder.lastActivity = Date.now();
      }
    };

  // Waits (at most `maxMs`) for the copies of the bodies still being read (recordErrors).
  recorder.flush = async maxMs => {
    if (!recorder.reads.size) return;
    let timer;
    await Promise.race([
      Promise.allSettled(Array.from(recorder.reads)),
      new Promise(resolve => {
        timer = setTimeout(resolve, maxMs);
      }),
    ]);
    clearTimeout(timer);
  };

  recorder.take = () => {
    const taken = recorder.requests;
    recorder.requests = [];
    return taken;
  };

  // Resolves once nothing has been in flight for `quietMs` (Apollo batches for 10 ms before it
  // calls fetch, and the SDK fires follow-up requests from callbacks), or after `maxMs`.
  recorder.settle = async (quietMs, maxMs) => {
    const started = Date.now();
    for (;;) {
      const quiet = recorder.inflight === 0 && Date.now() - recorder.lastActivity >= quietMs;
      if (quiet || Date.now() - started >= maxMs) return quiet;
      await new Promise(resolve => setTimeout(resolve, 5));
    }
  };

  return recorder;
}

// ---------------------------------------------------------------------------------------------
// Serialisation: errors become plain objects; circular references and functions are dropped.

function toJSONable(value, seen = new WeakSet()) {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol") return null;
    if (typeof value === "bigint") return String(value);
    return value;
  }
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out = { name: value.name, message: value.message };
      for (const key of Object.keys(value)) {
        if (key === "response" || key === "request") continue;
        out[key] = toJSONable(value[key], seen);
      }
      return out;
    }
    if (Array.isArray(value)) return value.map(item => toJSONable(item, seen));
    if (typeof value.toJSON === "function" && !(value instanceof Map)) return toJSONable(value.toJSON(), seen);
    if (typeof Response !== "undefined" && value instanceof Response) return { status: value.status };
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "function") continue;
      out[key] = toJSONable(item, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function emit(line) {
  process.stdout.write(JSON.stringify(toJSONable(line)) + "\n");
}

// ---------------------------------------------------------------------------------------------
// The step loop.

function readScenario() {
  const file = process.argv[2];
  if (!file) {
    throw new Error("usage: node run.js <scenario.json>");
  }
  const scenario = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const key of ["apiUrl", "channel"]) {
    if (typeof scenario[key] !== "string") throw new Error(`scenario.${key} must be a string`);
  }
  return {
    steps: [],
    interactive: false,
    storageFile: null,
    settleMs: 60,
    stepTimeoutMs: 30000,
    recordErrors: false,
    ...scenario,
  };
}

async function* stepSource(scenario) {
  for (const step of scenario.steps) yield step;
  if (!scenario.interactive) return;
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const step = JSON.parse(line);
    if (step.op === "exit") break;
    yield step;
  }
  lines.close();
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/*
 * driver = {
 *   ops: {name: async (step, ctx) => ({data, dataError, functionError, ...extra})},
 *   state: ctx => object|null    // the SDK's own state after each step
 * }
 * ctx = {scenario, storage, recorder, ...whatever the ops keep (api, client)}
 */
async function runDriver(driver, ctx) {
  const { scenario, recorder, storage } = ctx;
  let index = 0;
  for await (const step of stepSource(scenario)) {
    const op = step && step.op;
    const handler = driver.ops[op];
    if (!handler) {
      throw new Error(`step ${index}: unknown op ${JSON.stringify(op)}; known: ${Object.keys(driver.ops).join(", ")}`);
    }
    const result = await withTimeout(
      (async () => {
        const out = (await handler(step, ctx)) || {};
        await recorder.settle(step.settleMs ?? scenario.settleMs, scenario.stepTimeoutMs);
        return out;
      })(),
      step.timeoutMs ?? scenario.stepTimeoutMs,
      `step ${index} (${op})`
    );
    const { data = null, dataError = null, functionError = null, ...extra } = result;
    const line = { step: index, op, data, dataError, functionError, ...extra };
    if (ctx.unhandled.length) line.unhandled = ctx.unhandled.splice(0);
    await recorder.flush(1000);
    line.requests = recorder.take();
    line.state = driver.state(ctx);
    saveStorage(storage, scenario.storageFile);
    emit(line);
    index += 1;
  }
}

function main(setup) {
  (async () => {
    const scenario = readScenario();
    const storage = installShims(scenario.storageFile);
    const recorder = createRecorder({ recordErrors: !!scenario.recordErrors });
    const ctx = { scenario, storage, recorder, unhandled: [] };
    process.on("unhandledRejection", reason => {
      // A browser logs these and carries on; so does the harness, and reports them on the step's line.
      console.error("unhandled rejection:", reason);
      ctx.unhandled.push(reason);
    });
    const driver = setup(ctx); // requires the SDK (after the shims)
    await runDriver(driver, ctx);
  })().then(
    () => process.stdout.write("", () => process.exit(0)),
    error => {
      process.stderr.write(`sdk harness crashed: ${(error && error.stack) || error}\n`);
      process.stdout.write("", () => process.exit(2));
    }
  );
}

module.exports = { main, toJSONable, createRecorder, installShims };
