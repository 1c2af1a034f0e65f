<?php

namespace App;

use Symfony\Component\Messenger\Stamp\StampInterface;

/** An app's own stamp, which b24ops does not know and must carry along untouched. */
final class TraceStamp implements StampInterface
{
    public string $traceId;

    public function __construct(string $traceId)
    {
        $this->traceId = $traceId;
    }
}
