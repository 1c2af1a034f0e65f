<?php

namespace App;

/** Fails while FAIL_JOBS=1 (as the portal's rate limit would); otherwise records the message. */
final class SyncDealsHandler
{
    private string $log;

    public function __construct(string $log)
    {
        $this->log = $log;
    }

    public function __invoke(SyncDeals $message): void
    {
        if (getenv('FAIL_JOBS') === '1') {
            throw new \RuntimeException("QUERY_LIMIT_EXCEEDED for {$message->memberId}\nsecond line of the trace");
        }
        file_put_contents($this->log, "{$message->memberId}\n", FILE_APPEND | LOCK_EX);
    }
}
