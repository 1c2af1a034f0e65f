<?php
return [
    'default' => getenv('QUEUE_CONNECTION') ?: 'database',
    'connections' => [
        'database' => ['driver' => 'database', 'connection' => 'app', 'table' => 'jobs', 'queue' => 'default', 'retry_after' => 90],
        'redis' => ['driver' => 'redis', 'connection' => 'default', 'queue' => 'default', 'retry_after' => 90, 'block_for' => null],
    ],
    'failed' => ['driver' => 'database-uuids', 'database' => 'app', 'table' => 'failed_jobs'],
];
