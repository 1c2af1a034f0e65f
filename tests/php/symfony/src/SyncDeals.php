<?php

namespace App;

/** A message naming its portal, as a Bitrix24 app's background job would. */
final class SyncDeals
{
    public string $memberId;
    public string $note;

    public function __construct(string $memberId, string $note = 'sync deals')
    {
        $this->memberId = $memberId;
        $this->note = $note;
    }
}
