"""Call logging for the official Bitrix24 Python SDK (b24pysdk): every REST request the SDK
makes is recorded — method, portal, HTTP status, error code and description, duration and
Bitrix24's ``time.operating`` — and sent in batches to ``b24ops serve``'s ``POST /api/calls``.

It never blocks or fails the app: records go into a bounded buffer that a background thread
empties; when b24ops is away (or the buffer is full) records are dropped and counted in
``stats()["dropped"]``.

    import b24ops_calls
    b24ops_calls.install("http://127.0.0.1:8624", token=os.environ["B24OPS_API_TOKEN"],
                         member_id=lambda domain: MEMBER_IDS[domain])
"""
import json
import queue
import threading
import time
import urllib.request
from urllib.parse import urlsplit

_BATCH = 200
_stats = {"sent": 0, "dropped": 0}
_lock = threading.Lock()


def _count(key, n):
    with _lock:
        _stats[key] += n


def stats():
    """How many records were sent and how many were lost."""
    with _lock:
        return dict(_stats)


def _record(url, response, started, member_id):
    parts = urlsplit(url)
    path = parts.path.split("/rest/", 1)[-1].removeprefix("api/").strip("/")
    # OAuth calls end in the method (…/rest/crm.deal.get[.json]); webhooks put user/secret first.
    method = path.split("/")[-1].removesuffix(".json")
    rec = {"ts": int(started * 1000), "member_id": member_id(parts.hostname or ""), "method": method,
           "duration_ms": int((time.time() - started) * 1000), "source": "b24pysdk"}
    if response is None:
        rec["error_code"] = "NETWORK_ERROR"
        return rec
    rec["http_status"] = response.status_code
    try:
        body = response.json()
    except ValueError:
        return rec
    if isinstance(body, dict):
        if body.get("error"):
            rec["error_code"] = str(body["error"])[:128]
            rec["error_description"] = str(body.get("error_description") or "")
        operating = (body.get("time") or {}).get("operating")
        if isinstance(operating, (int, float)):
            rec["operating"] = float(operating)
    return rec


def install(endpoint, token, member_id, buffer_size=10_000, flush_every=1.0, timeout=2.0):
    """Starts logging; ``member_id(domain)`` names the portal a request went to."""
    from b24pysdk.api.requesters.bitrix_api_requester import BitrixAPIRequester

    buf = queue.Queue(maxsize=buffer_size)
    original = BitrixAPIRequester._request

    def logged(self):
        started, response = time.time(), None
        try:
            response = original(self)
            return response
        finally:
            try:
                buf.put_nowait(_record(self._url, response, started, member_id))
            except queue.Full:
                _count("dropped", 1)
            except Exception:  # a hook must never break the app's call
                _count("dropped", 1)

    def send(batch):
        body = "\n".join(json.dumps(r) for r in batch).encode()
        req = urllib.request.Request(endpoint.rstrip("/") + "/api/calls", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/x-ndjson"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                accepted = json.loads(res.read() or b"{}").get("accepted", 0)
                _count("sent", accepted)
                _count("dropped", len(batch) - accepted)
        except Exception:
            _count("dropped", len(batch))

    def pump():
        while True:
            batch = [buf.get()]
            deadline = time.time() + flush_every
            while len(batch) < _BATCH and time.time() < deadline:
                try:
                    batch.append(buf.get(timeout=max(0.0, deadline - time.time())))
                except queue.Empty:
                    break
            send(batch)
            for _ in batch:
                buf.task_done()

    BitrixAPIRequester._request = logged
    threading.Thread(target=pump, name="b24ops-calls", daemon=True).start()

    def flush(wait=5.0):
        """Waits up to ``wait`` seconds for the buffer to empty (at exit, in tests)."""
        end = time.time() + wait
        while buf.unfinished_tasks and time.time() < end:
            time.sleep(0.05)

    return flush
