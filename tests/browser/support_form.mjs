// Drives headless Chromium over the DevTools protocol (no packages: Node's own WebSocket) to use
// the support form the way a customer does inside Bitrix24: a parent page on a Bitrix24-looking
// origin frames the form, the form is filled and submitted, and the thank-you page is read. The
// same form framed from another origin must not render.
//
//   node --experimental-websocket support_form.mjs CHROMIUM FORM_URL PARENT_PORT
//
// Both parent origins (acme.bitrix24.com and evil.example) resolve to this machine through
// Chromium's host resolver rules and are served here. Prints one JSON object.

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [chromium, formUrl, parentPort] = process.argv.slice(2);
const fail = (why) => {
  console.log(JSON.stringify({ error: why }));
  process.exit(2);
};
// A guard against a wedged browser, not a measurement.
setTimeout(() => fail("the browser did not finish within 120 s"), 120_000).unref();

const parent = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><title>Bitrix24</title><iframe id="app" src="${formUrl}" width="800" height="900"></iframe>`);
});
await new Promise((ok) => parent.listen(Number(parentPort), "127.0.0.1", ok));

const profile = mkdtempSync(join(tmpdir(), "b24ops-chromium-"));
const browser = spawn(chromium, [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--remote-debugging-port=0",
  `--user-data-dir=${profile}`,
  "--host-resolver-rules=MAP acme.bitrix24.com 127.0.0.1, MAP evil.example 127.0.0.1",
  // One process for the page and its frame, so the frame is reached through the page's session.
  "--disable-site-isolation-trials",
  "--disable-features=IsolateOrigins,site-per-process",
  "about:blank",
], { stdio: ["ignore", "ignore", "pipe"] });
const cleanup = () => {
  browser.kill("SIGKILL");
  parent.close();
  try { rmSync(profile, { recursive: true, force: true }); } catch {}
};

const wsUrl = await new Promise((ok) => {
  let seen = "";
  browser.stderr.on("data", (d) => {
    seen += d;
    const m = seen.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) ok(m[1]);
  });
  browser.on("exit", () => fail(`chromium exited: ${seen.slice(-500)}`));
});

const ws = new WebSocket(wsUrl);
await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = () => bad(new Error("cannot reach DevTools")); });
let next = 0;
const pending = new Map();
const listeners = [];
ws.onmessage = (e) => {
  const msg = JSON.parse(e.data);
  if (msg.id !== undefined && pending.has(msg.id)) {
    const { ok, bad } = pending.get(msg.id);
    pending.delete(msg.id);
    msg.error ? bad(new Error(JSON.stringify(msg.error))) : ok(msg.result);
  } else if (msg.method) {
    for (const l of [...listeners]) l(msg);
  }
};
const send = (method, params = {}, sessionId) =>
  new Promise((ok, bad) => {
    const id = ++next;
    pending.set(id, { ok, bad });
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });
const once = (pred) =>
  new Promise((ok) => {
    const l = (m) => { if (pred(m)) { listeners.splice(listeners.indexOf(l), 1); ok(m); } };
    listeners.push(l);
  });

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
const page = (method, params) => send(method, params, sessionId);
await page("Page.enable");
await page("Runtime.enable");

// Loads `url` and waits for the page and its frame to finish loading.
async function open(url) {
  const loaded = once((m) => m.sessionId === sessionId && m.method === "Page.loadEventFired");
  await page("Page.navigate", { url });
  await loaded;
  const { frameTree } = await page("Page.getFrameTree");
  const child = (frameTree.childFrames || [])[0];
  if (!child) fail(`no frame on ${url}`);
  return child.frame;
}

// Runs `expr` inside the frame and returns its value.
async function inFrame(frameId, expr) {
  const { executionContextId } = await page("Page.createIsolatedWorld", { frameId, worldName: "b24ops-test" });
  const r = await page("Runtime.evaluate", { expression: expr, contextId: executionContextId, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) fail(`in the frame: ${JSON.stringify(r.exceptionDetails)}`);
  return r.result.value;
}

const result = {};
try {
  // Framed from elsewhere: Chromium refuses to render the form.
  const evil = await open(`http://evil.example:${parentPort}/`);
  result.refused = {
    frame_url: evil.url,
    has_form: await inFrame(evil.id, "!!document.querySelector('form')"),
  };

  // Framed from a Bitrix24 portal: fill, submit, read the answer.
  const frame = await open(`http://acme.bitrix24.com:${parentPort}/`);
  result.allowed = { frame_url: frame.url, has_form: await inFrame(frame.id, "!!document.querySelector('form')") };
  const submitted = once((m) => m.sessionId === sessionId && m.method === "Page.frameStoppedLoading" && m.params.frameId === frame.id);
  await inFrame(frame.id, `(() => {
    const set = (n, v) => { document.querySelector('[name=' + n + ']').value = v; };
    set('name', 'Olga Petrova');
    set('email', 'olga@example.com');
    set('subject', 'Deals do not sync from the browser');
    set('body', 'Since this morning no deal reaches the app.');
    document.querySelector('[name=priority]').value = 'high';
    document.querySelector('button[type=submit]').click();
    return true;
  })()`);
  await submitted;
  result.allowed.answer = await inFrame(frame.id, "document.body.innerText");
} catch (e) {
  result.error = String(e);
}
console.log(JSON.stringify(result));
ws.close();
cleanup();
process.exit(0);
