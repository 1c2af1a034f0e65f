<?php
namespace App\Jobs;

use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;

/** A Bitrix24 sync job for one portal: fails while FAIL_JOBS=1, else records that it ran. */
class SyncDeals implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels;

    public $tries = 1;

    public function __construct(public string $memberId, public int $untilSeconds = 0)
    {
    }

    public function retryUntil()
    {
        return $this->untilSeconds > 0 ? now()->addSeconds($this->untilSeconds) : null;
    }

    public function handle()
    {
        if (getenv('FAIL_JOBS') === '1') {
            throw new \RuntimeException("crm.deal.list: QUERY_LIMIT_EXCEEDED for {$this->memberId}\nsecond line of the trace");
        }
        file_put_contents(getenv('PROCESSED_LOG'), $this->job->uuid().' '.$this->memberId."\n", FILE_APPEND | LOCK_EX);
    }
}
