<?php
// DB_URL picks the database: sqlite:///path, pgsql://…, mysql://…
$url = getenv('DB_URL') ?: 'sqlite:///tmp/laravel.sqlite';
$driver = explode(':', $url)[0];
return [
    'default' => 'app',
    'connections' => [
        'app' => $driver === 'sqlite'
            ? ['driver' => 'sqlite', 'database' => substr($url, strlen('sqlite://')), 'prefix' => '', 'foreign_key_constraints' => true]
            : ['driver' => $driver, 'url' => $url, 'prefix' => '', 'charset' => $driver === 'mysql' ? 'utf8mb4' : 'utf8', 'collation' => $driver === 'mysql' ? 'utf8mb4_unicode_ci' : null],
    ],
    'migrations' => 'migrations',
    'redis' => [
        'client' => 'phpredis',
        'options' => ['prefix' => getenv('REDIS_PREFIX') ?: ''],
        'default' => ['host' => '127.0.0.1', 'port' => getenv('REDIS_PORT') ?: 6379, 'database' => getenv('REDIS_DB') ?: 0],
    ],
];
