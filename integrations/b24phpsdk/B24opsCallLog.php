<?php
// Call logging for the official Bitrix24 PHP SDK (bitrix24/b24phpsdk): a decorator of Symfony's
// HttpClientInterface that records every REST request the SDK makes — method, portal, HTTP
// status, error code and description, duration, Bitrix24's `time.operating` and the SDK's
// `bx24_request_id` — and posts them in batches to `b24ops serve`'s POST /api/calls.
//
// It never blocks or fails the app: records wait in a bounded buffer; a batch goes out
// asynchronously on the decorated client's own connections (it travels while the app waits on
// its next Bitrix24 call) and its answer is read, without waiting, when the next batch is due.
// When b24ops is away (or the buffer is full) records are dropped and counted in stats().
//
//   $log = new \B24ops\Integrations\B24opsCallLog(HttpClient::create(), 'http://127.0.0.1:8624',
//                                                 getenv('B24OPS_API_TOKEN'), fn (string $host) => $memberIds[$host]);
//   $core = (new CoreBuilder())->withHttpClient($log)->withCredentials($credentials)->build();
//   ... $log->flush(5.0) at exit (also registered as a shutdown function); $log->stats()
//
// Matched against b24phpsdk's src/Core/ApiClient.php and src/Core/Core.php (v1.9): a REST call
// is `request('POST', '{domain}/rest/{method}?bx24_request_id=…', ['json' => params + auth,
// 'headers' => …, 'max_redirects' => 0])` (webhooks: `{webhook}/{method}/`), read with
// getStatusCode() and toArray(); `expired_token` (401) makes the SDK GET
// `{oauth server}/oauth/token/?grant_type=refresh_token…` and repeat the call. Both REST
// attempts are logged; the OAuth request is not a REST call and is not.

declare(strict_types=1);

namespace B24ops\Integrations;

use Symfony\Component\HttpClient\AsyncDecoratorTrait;
use Symfony\Component\HttpClient\Response\AsyncContext;
use Symfony\Component\HttpClient\Response\AsyncResponse;
use Symfony\Contracts\HttpClient\ChunkInterface;
use Symfony\Contracts\HttpClient\Exception\TransportExceptionInterface;
use Symfony\Contracts\HttpClient\HttpClientInterface;
use Symfony\Contracts\HttpClient\ResponseInterface;

final class B24opsCallLog implements HttpClientInterface
{
    use AsyncDecoratorTrait;

    private const BATCH = 200;
    /** A body up to this size is decoded whole; of a larger one only its tail is read for `time`. */
    private const BODY_KEPT = 262144;

    /** @var \stdClass shared by the clones withOptions() makes: buffer, counters, the batch in flight */
    private \stdClass $state;

    /**
     * @param string|callable(string): ?string $memberId the portal's member_id, or a function of the request's host
     */
    public function __construct(
        HttpClientInterface $client,
        private string $endpoint,
        private string $token,
        private $memberId,
        private int $bufferSize = 10000,
        private float $flushEvery = 1.0,
        private float $timeout = 2.0,
    ) {
        $this->client = $client;
        $this->state = (object) ['buffer' => [], 'sent' => 0, 'dropped' => 0, 'pending' => null, 'lastSend' => microtime(true)];
        // A script that ends without flush() still hands over what it logged.
        register_shutdown_function(function () {
            $this->flush(2.0);
        });
    }

    /** How many records were sent and how many were lost. */
    public function stats(): array
    {
        return ['sent' => $this->state->sent, 'dropped' => $this->state->dropped];
    }

    public function request(string $method, string $url, array $options = []): ResponseInterface
    {
        if (!str_contains((string) parse_url($url, PHP_URL_PATH), '/rest/')) {
            return new AsyncResponse($this->client, $method, $url, $options);
        }
        $started = microtime(true);
        $seen = ['status' => null, 'head' => '', 'tail' => '', 'size' => 0, 'done' => false];
        $passthru = function (ChunkInterface $chunk, AsyncContext $context) use ($url, $started, &$seen) {
            if (!$seen['done']) {
                try {
                    if ($chunk->isTimeout() || null !== $chunk->getInformationalStatus()) {
                        yield $chunk;
                        return;
                    }
                    if ($chunk->isLast()) {
                        $seen['done'] = true;
                        $this->keep($this->record($url, $started, $context->getStatusCode(), $seen));
                    } elseif (!$chunk->isFirst()) {
                        $this->collect($seen, $chunk->getContent());
                    }
                } catch (TransportExceptionInterface) {
                    // The app sees this failure from the SDK as it would without the hook.
                    $seen['done'] = true;
                    $this->keep($this->record($url, $started, null, $seen));
                } catch (\Throwable) {
                    $seen['done'] = true;
                    ++$this->state->dropped;
                }
            }
            yield $chunk;
        };
        return new AsyncResponse($this->client, $method, $url, $options, $passthru);
    }

    /** Sends what is buffered and waits up to $wait seconds for the answers (at exit, in tests). */
    public function flush(float $wait = 5.0): void
    {
        $end = microtime(true) + $wait;
        do {
            $this->settle(max(0.0, $end - microtime(true)));
            if ($this->state->pending === null && $this->state->buffer !== []) {
                $this->send();
            }
        } while (($this->state->pending !== null || $this->state->buffer !== []) && microtime(true) < $end);
        if ($this->state->pending !== null) {
            // Still unanswered when the time ran out: counted as lost, never waited for (a
            // response dropped unfinished would wait for its headers in its destructor).
            try {
                $this->state->pending[0]->cancel();
            } catch (\Throwable) {
            }
            $this->state->dropped += $this->state->pending[1];
            $this->state->pending = null;
        }
    }

    private function collect(array &$seen, string $bytes): void
    {
        $seen['size'] += strlen($bytes);
        if (strlen($seen['head']) < self::BODY_KEPT) {
            $seen['head'] .= $bytes;
        }
        $seen['tail'] = substr($seen['tail'] . $bytes, -4096);
    }

    private function record(string $url, float $started, ?int $status, array $seen): array
    {
        $parts = parse_url($url);
        $path = $parts['path'] ?? '';
        $tail = trim(substr($path, strrpos($path, '/rest/') + 6), '/');
        $segments = explode('/', preg_replace('#^api/#', '', $tail));
        // OAuth calls end in the method; webhooks put user/secret first.
        $method = preg_replace('/\.(json|xml)$/', '', (string) end($segments));
        $member = is_callable($this->memberId) ? ($this->memberId)((string) ($parts['host'] ?? '')) : $this->memberId;
        parse_str($parts['query'] ?? '', $query);
        $rec = [
            'ts' => (int) ($started * 1000),
            'member_id' => (string) $member,
            'method' => $method,
            'duration_ms' => (int) ((microtime(true) - $started) * 1000),
            'source' => 'b24phpsdk',
        ];
        if (is_string($query['bx24_request_id'] ?? null) && strlen($query['bx24_request_id']) <= 128) {
            $rec['request_id'] = $query['bx24_request_id'];
        }
        if ($status === null) {
            return $rec + ['error_code' => 'NETWORK_ERROR'];
        }
        $rec['http_status'] = $status;
        $body = $seen['size'] <= self::BODY_KEPT ? json_decode($seen['head'], true) : null;
        if (is_array($body)) {
            if (!empty($body['error'])) {
                $rec['error_code'] = substr((string) $body['error'], 0, 128);
                $rec['error_description'] = (string) ($body['error_description'] ?? '');
            }
            $operating = $body['time']['operating'] ?? null;
        } elseif (preg_match('/"operating"\s*:\s*([0-9.eE+-]+)/', $seen['tail'], $m)) {
            // A long list: Bitrix24 puts `time` last, so the tail holds it.
            $operating = (float) $m[1];
        }
        if (is_int($operating ?? null) || is_float($operating ?? null)) {
            $rec['operating'] = (float) $operating;
        }
        return $rec;
    }

    private function keep(array $rec): void
    {
        $s = $this->state;
        if (count($s->buffer) >= $this->bufferSize) {
            ++$s->dropped;
        } else {
            $s->buffer[] = $rec;
        }
        $this->settle(0.0);
        $due = count($s->buffer) >= self::BATCH || microtime(true) - $s->lastSend >= $this->flushEvery;
        if ($s->pending === null && $due) {
            $this->send();
        }
    }

    /** Starts posting one batch; the request travels while the app goes on. */
    private function send(): void
    {
        $s = $this->state;
        $batch = array_splice($s->buffer, 0, self::BATCH);
        if ($batch === []) {
            return;
        }
        $s->lastSend = microtime(true);
        try {
            $body = implode("\n", array_map(fn (array $r) => json_encode($r, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE), $batch));
            $response = $this->client->request('POST', rtrim($this->endpoint, '/') . '/api/calls', [
                'headers' => ['Authorization' => 'Bearer ' . $this->token, 'Content-Type' => 'application/x-ndjson'],
                'body' => $body,
                'timeout' => $this->timeout,
                'max_duration' => $this->timeout,
            ]);
            $s->pending = [$response, count($batch)];
        } catch (\Throwable) {
            $s->dropped += count($batch);
        }
    }

    /** Reads the answer of the batch in flight if it has come within $wait seconds. */
    private function settle(float $wait): void
    {
        $s = $this->state;
        if ($s->pending === null) {
            return;
        }
        [$response, $n] = $s->pending;
        try {
            foreach ($this->client->stream($response, $wait) as $chunk) {
                if ($chunk->isTimeout()) {
                    return;
                }
                if ($chunk->isLast()) {
                    break;
                }
            }
            $answer = $response->getStatusCode() === 200 ? json_decode($response->getContent(false), true) : null;
            $accepted = min($n, (int) ($answer['accepted'] ?? 0));
        } catch (\Throwable) {
            $accepted = 0;
        }
        $s->sent += $accepted;
        $s->dropped += $n - $accepted;
        $s->pending = null;
    }
}
