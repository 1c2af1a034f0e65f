<?php
// A PHP app calling Bitrix24 the way bitrix24/b24phpsdk does, through the b24ops call-logging
// decorator around Symfony's real HttpClient, pointed at `b24ops emulator`. Driven by
// tests/suite/sdk_hooks.rs.
//
// b24phpsdk itself is a Composer package and cannot be installed here (Debian ships no package
// of it), so this script makes the SDK's HTTP requests itself, as its sources make them
// (bitrix24/b24phpsdk v1.9, src/Core/ApiClient.php getResponse() and getNewAuthToken(),
// src/Core/Core.php call()): a POST to `{domain url}/rest/{method}?bx24_request_id={id}` with
// the parameters and `auth` as JSON, its headers and `max_redirects` 0; the status read with
// getStatusCode(), the body with toArray(); on 401 `expired_token` a GET of
// `{oauth server}/oauth/token/?grant_type=refresh_token&…` and the call repeated. The emulator
// serves each portal under `{emulator}/{domain}`, which stands for the SDK's domain URL.
//
// Environment: EMULATOR, B24OPS, TOKEN, DOMAIN, MEMBER_ID, ACCESS, REFRESH, CLIENT_ID,
// CLIENT_SECRET. Prints the hook's counters as JSON.

declare(strict_types=1);

require_once '/usr/share/php/Symfony/Component/HttpClient/autoload.php';
require_once __DIR__ . '/../../../integrations/b24phpsdk/B24opsCallLog.php';

use B24ops\Integrations\B24opsCallLog;
use Symfony\Component\HttpClient\HttpClient;
use Symfony\Contracts\HttpClient\HttpClientInterface;

final class SdkLikeCore
{
    private string $access;
    private string $refresh;

    public function __construct(private HttpClientInterface $client, private string $domainUrl, private string $authServer)
    {
        $this->access = (string) getenv('ACCESS');
        $this->refresh = (string) getenv('REFRESH');
    }

    private function headers(string $requestId): array
    {
        return [
            'Accept' => 'application/json',
            'Accept-Charset' => 'utf-8',
            'User-Agent' => 'b24-php-sdk-vendor-v-1.9.0-php-' . PHP_VERSION,
            'X-BITRIX24-PHP-SDK-PHP-VERSION' => PHP_VERSION,
            'X-BITRIX24-PHP-SDK-VERSION' => '1.9.0',
            'X-Request-ID' => $requestId,
        ];
    }

    /** Core::call(): the status decides, 401 expired_token refreshes and repeats. */
    public function call(string $apiMethod, array $parameters = []): array
    {
        $requestId = bin2hex(random_bytes(16));
        $parameters['auth'] = $this->access;
        $url = sprintf('%s/rest/%s', $this->domainUrl, strtolower($apiMethod)) . '?bx24_request_id=' . $requestId;
        $response = $this->client->request('POST', $url, [
            'json' => $parameters,
            'headers' => $this->headers($requestId),
            'max_redirects' => 0,
        ]);
        switch ($response->getStatusCode()) {
            case 200:
                return $response->toArray(true);
            case 401:
                $body = $response->toArray(false);
                if (strtolower((string) $body['error']) === 'expired_token') {
                    $this->renew();
                    return $this->call($apiMethod, array_diff_key($parameters, ['auth' => 1]));
                }
                throw new RuntimeException('UNAUTHORIZED request error');
            default:
                $body = $response->toArray(false);
                throw new RuntimeException((string) ($body['error'] ?? 'unhandled server status'));
        }
    }

    /** ApiClient::getNewAuthToken(). */
    private function renew(): void
    {
        $requestId = bin2hex(random_bytes(16));
        $url = sprintf('%s/oauth/token/?%s', $this->authServer, http_build_query([
            'grant_type' => 'refresh_token',
            'client_id' => getenv('CLIENT_ID'),
            'client_secret' => getenv('CLIENT_SECRET'),
            'refresh_token' => $this->refresh,
            'bx24_request_id' => $requestId,
        ]));
        $response = $this->client->request('GET', $url, ['headers' => $this->headers($requestId)]);
        $data = $response->toArray(false);
        if ($response->getStatusCode() !== 200) {
            throw new RuntimeException('refresh failed: ' . ($data['error'] ?? $response->getStatusCode()));
        }
        $this->access = $data['access_token'];
        $this->refresh = $data['refresh_token'];
    }
}

$emu = rtrim((string) getenv('EMULATOR'), '/');
$member = (string) getenv('MEMBER_ID');
// The client CoreBuilder makes, with its options, decorated by the hook.
$log = new B24opsCallLog(HttpClient::create(['http_version' => '2.0', 'timeout' => 120]), (string) getenv('B24OPS'), (string) getenv('TOKEN'),
    fn (string $host) => $member);
$core = new SdkLikeCore($log, $emu . '/' . getenv('DOMAIN'), $emu);

$made = 0;
foreach (['profile', 'profile', 'no.such.method', 'user.current'] as $method) {
    try {
        $core->call($method);
    } catch (RuntimeException $e) {
        fwrite(STDERR, "failed as expected: $method {$e->getMessage()}\n");
    }
    $made++;
}
$log->flush(5.0);
echo json_encode(['made' => $made] + $log->stats()), "\n";
