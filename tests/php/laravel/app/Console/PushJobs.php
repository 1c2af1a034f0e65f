<?php
namespace App\Console;

use App\Jobs\SyncDeals;
use Illuminate\Console\Command;

/** Dispatches one SyncDeals job per portal given, onto the default connection. */
class PushJobs extends Command
{
    protected $signature = 'app:push {members*} {--until=0 : seconds for retryUntil, 0 for none}';
    protected $description = 'Queue one SyncDeals job per member_id';

    public function handle()
    {
        foreach ($this->argument('members') as $member) {
            dispatch(new SyncDeals($member, (int) $this->option('until')));
        }
        return 0;
    }
}
