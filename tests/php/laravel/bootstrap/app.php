<?php
$app = new Illuminate\Foundation\Application(dirname(__DIR__));
// Each test run keeps its generated migrations and caches in its own directory.
if ($state = getenv('LARAVEL_STATE_DIR')) {
    $app->useStoragePath($state.'/storage');
    $app->useDatabasePath($state.'/database');
    putenv('APP_SERVICES_CACHE='.$state.'/services.php');
    putenv('APP_PACKAGES_CACHE='.$state.'/packages.php');
    putenv('APP_CONFIG_CACHE='.$state.'/config.php');
}
$app->singleton(Illuminate\Contracts\Console\Kernel::class, App\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, Illuminate\Foundation\Exceptions\Handler::class);
return $app;
