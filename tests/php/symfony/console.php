<?php
// A small Symfony Messenger app wired by hand (no framework bundle): the Doctrine transport
// `async` (queue_name default) with the failure transport `failed` (queue_name failed) in one
// messenger_messages table, the native PHP serializer (Messenger's default) or, with
// SERIALIZER=json, Messenger's Serializer over symfony/serializer, one retry.
//
//   php console.php setup | push MEMBER... | push-traced MEMBER... | consume
// Env: DB_URL (sqlite:///path, pgsql://u@h:p/db, mysql://u@h:p/db), PROCESSED_LOG, FAIL_JOBS,
// SERIALIZER (php or json).

require '/usr/share/php/Doctrine/DBAL/autoload.php';
require '/usr/share/php/Symfony/Component/Messenger/autoload.php';
require '/usr/share/php/Symfony/Component/Messenger/Bridge/Doctrine/autoload.php';
require '/usr/share/php/Symfony/Component/EventDispatcher/autoload.php';
spl_autoload_register(function ($class) {
    if (str_starts_with($class, 'App\\')) {
        require __DIR__.'/src/'.substr($class, 4).'.php';
    }
});

use Doctrine\DBAL\DriverManager;
use Symfony\Component\EventDispatcher\EventDispatcher;
use Symfony\Component\Messenger\Bridge\Doctrine\Transport\Connection;
use Symfony\Component\Messenger\Bridge\Doctrine\Transport\DoctrineTransport;
use Symfony\Component\Messenger\Event\WorkerRunningEvent;
use Symfony\Component\Messenger\EventListener\AddErrorDetailsStampListener;
use Symfony\Component\Messenger\EventListener\SendFailedMessageForRetryListener;
use Symfony\Component\Messenger\EventListener\SendFailedMessageToFailureTransportListener;
use Symfony\Component\Messenger\Handler\HandlersLocator;
use Symfony\Component\Messenger\MessageBus;
use Symfony\Component\Messenger\Middleware\HandleMessageMiddleware;
use Symfony\Component\Messenger\Middleware\SendMessageMiddleware;
use Symfony\Component\Messenger\Retry\MultiplierRetryStrategy;
use Symfony\Component\Messenger\Transport\Sender\SendersLocator;
use Symfony\Component\Messenger\Transport\Serialization\PhpSerializer;
use Symfony\Component\Messenger\Worker;

/** A tiny PSR-11 container, as the framework bundle's service locators are. */
final class Locator implements Psr\Container\ContainerInterface
{
    private array $items;
    public function __construct(array $items) { $this->items = $items; }
    public function get(string $id) { return $this->items[$id]; }
    public function has(string $id): bool { return isset($this->items[$id]); }
}

function dbal(): Doctrine\DBAL\Connection
{
    $url = (string) getenv('DB_URL');
    if (str_starts_with($url, 'sqlite://')) {
        return DriverManager::getConnection(['driver' => 'pdo_sqlite', 'path' => substr($url, strlen('sqlite://'))]);
    }
    $u = parse_url($url);
    return DriverManager::getConnection([
        'driver' => $u['scheme'] === 'pgsql' ? 'pdo_pgsql' : 'pdo_mysql',
        'host' => $u['host'], 'port' => $u['port'] ?? null, 'user' => $u['user'] ?? null,
        'password' => $u['pass'] ?? null, 'dbname' => ltrim($u['path'], '/'),
    ]);
}

/**
 * What FrameworkBundle wires as `messenger.transport.symfony_serializer`: the app's serializer
 * (Messenger's FlattenExceptionNormalizer, then the stock normalizers) with the JSON format.
 */
function json_serializer(): Symfony\Component\Messenger\Transport\Serialization\SerializerInterface
{
    require_once '/usr/share/php/Symfony/Component/Serializer/autoload.php';
    require_once '/usr/share/php/Symfony/Component/PropertyAccess/autoload.php';
    $normalizers = [
        new Symfony\Component\Messenger\Transport\Serialization\Normalizer\FlattenExceptionNormalizer(),
        new Symfony\Component\Serializer\Normalizer\DateTimeNormalizer(),
        new Symfony\Component\Serializer\Normalizer\ArrayDenormalizer(),
        new Symfony\Component\Serializer\Normalizer\ObjectNormalizer(),
    ];
    $symfony = new Symfony\Component\Serializer\Serializer($normalizers, [new Symfony\Component\Serializer\Encoder\JsonEncoder()]);
    return new Symfony\Component\Messenger\Transport\Serialization\Serializer($symfony, 'json');
}

$db = dbal();
$serializer = getenv('SERIALIZER') === 'json' ? json_serializer() : new PhpSerializer();
$async = new DoctrineTransport(new Connection(['table_name' => 'messenger_messages', 'queue_name' => 'default'], $db), $serializer);
$failed = new DoctrineTransport(new Connection(['table_name' => 'messenger_messages', 'queue_name' => 'failed'], $db), $serializer);
$transports = new Locator(['async' => $async, 'failed' => $failed]);
$bus = new MessageBus([
    new SendMessageMiddleware(new SendersLocator([App\SyncDeals::class => ['async']], $transports)),
    new HandleMessageMiddleware(new HandlersLocator([
        App\SyncDeals::class => [new App\SyncDealsHandler(getenv('PROCESSED_LOG') ?: '/dev/null')],
    ])),
]);

switch ($argv[1] ?? '') {
    case 'setup':
        $async->setup();
        break;
    case 'push':
        foreach (array_slice($argv, 2) as $member) {
            $bus->dispatch(new App\SyncDeals($member));
        }
        break;
    case 'push-traced':
        foreach (array_slice($argv, 2) as $member) {
            $bus->dispatch(new App\SyncDeals($member), [new App\TraceStamp('trace-'.$member)]);
        }
        break;
    case 'consume':
        // What messenger:consume async --failure-transport … wires: one retry, then the failure transport.
        $events = new EventDispatcher();
        $events->addSubscriber(new AddErrorDetailsStampListener());
        $events->addSubscriber(new SendFailedMessageForRetryListener(
            $transports,
            new Locator(['async' => new MultiplierRetryStrategy(1, 0)])
        ));
        $events->addSubscriber(new SendFailedMessageToFailureTransportListener(new Locator(['async' => $failed])));
        // Stop when the queue is empty (the tests never wait on a clock).
        $events->addListener(WorkerRunningEvent::class, function (WorkerRunningEvent $e) {
            if ($e->isWorkerIdle()) {
                $e->getWorker()->stop();
            }
        });
        (new Worker(['async' => $async], $bus, $events))->run(['sleep' => 0]);
        break;
    default:
        fwrite(STDERR, "usage: console.php setup | push MEMBER... | push-traced MEMBER... | consume\n");
        exit(2);
}
