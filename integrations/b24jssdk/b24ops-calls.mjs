// Call logging for the official Bitrix24 JS SDK (@bitrix24/b24jssdk): every REST request the
// SDK sends is recorded — method, portal, HTTP status, error code and description, duration and
// Bitrix24's `time.operating` — and posted in batches to `b24ops serve`'s POST /api/calls.
//
// It never blocks or fails the app: records wait in a bounded buffer that a timer empties;
// when b24ops is away (or the buffer is full) they are dropped and counted in `stats.dropped`.
//
//   import { attachB24opsCalls } from './b24ops-calls.mjs';
//   const log = attachB24opsCalls(b24, { endpoint: 'http://127.0.0.1:8624', token, memberId });
//   ... await log.flush() at exit; log.stats → { sent, dropped }
//
// The hook rides on the axios instance the SDK's HTTP clients keep (`getHttpClient(version)`),
// so it sees each attempt the SDK makes, the expired_token call and the retry after a refresh.

const BATCH = 500;

function methodOf(url) {
  const path = String(url ?? '').split('?')[0];
  const tail = path.includes('/rest/') ? path.slice(path.lastIndexOf('/rest/') + 6) : path;
  return tail.replace(/^api\//, '').replace(/^\/+/, '').replace(/\.json$/, '');
}

export function attachB24opsCalls(b24, { endpoint, token, memberId, bufferSize = 10000, flushEveryMs = 1000 }) {
  const buffer = [];
  const stats = { sent: 0, dropped: 0 };
  const push = (record) => {
    if (buffer.length >= bufferSize) stats.dropped += 1;
    else buffer.push(record);
  };
  const record = (config, response) => {
    const started = config?.b24opsStarted ?? Date.now();
    const rec = { ts: started, member_id: memberId, method: methodOf(config?.url), duration_ms: Date.now() - started, source: 'b24jssdk' };
    if (!response) return { ...rec, error_code: 'NETWORK_ERROR' };
    rec.http_status = response.status;
    const body = response.data;
    if (body && typeof body === 'object') {
      if (body.error) {
        rec.error_code = String(body.error).slice(0, 128);
        rec.error_description = String(body.error_description ?? '');
      }
      if (typeof body.time?.operating === 'number') rec.operating = body.time.operating;
    }
    return rec;
  };
  for (const version of ['v2', 'v3']) {
    let axios;
    try {
      axios = b24.getHttpClient(version)?._clientAxios;
    } catch {
      continue;
    }
    if (!axios?.interceptors) continue;
    axios.interceptors.request.use((config) => {
      config.b24opsStarted = Date.now();
      return config;
    });
    axios.interceptors.response.use(
      (response) => {
        try { push(record(response.config, response)); } catch { stats.dropped += 1; }
        return response;
      },
      (error) => {
        try { push(record(error?.config, error?.response)); } catch { stats.dropped += 1; }
        return Promise.reject(error);
      },
    );
  }
  let sending = Promise.resolve();
  const sendOnce = async () => {
    const batch = buffer.splice(0, BATCH);
    if (batch.length === 0) return;
    try {
      const res = await fetch(`${endpoint.replace(/\/$/, '')}/api/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body: batch.map((r) => JSON.stringify(r)).join('\n'),
        signal: AbortSignal.timeout(2000),
      });
      const answer = await res.json().catch(() => ({}));
      const accepted = res.ok ? Number(answer.accepted ?? 0) : 0;
      stats.sent += accepted;
      stats.dropped += batch.length - accepted;
    } catch {
      stats.dropped += batch.length;
    }
  };
  const tick = () => { sending = sending.then(sendOnce); return sending; };
  const timer = setInterval(tick, flushEveryMs);
  timer.unref?.();
  return {
    stats,
    async flush() {
      while (buffer.length > 0) await tick();
      await sending;
    },
  };
}
