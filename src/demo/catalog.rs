//! The vocabulary of realistic data: Bitrix24 methods, errors, task kinds, words.

/// A REST method with how often apps call it and how long it usually takes.
pub struct MethodSpec {
    /// Method name.
    pub name: &'static str,
    /// Relative frequency.
    pub weight: u32,
    /// Median duration in milliseconds.
    pub median_ms: f64,
}

/// Methods a typical CRM-sync Marketplace app calls, deprecated ones included.
pub const METHODS: &[MethodSpec] = &[
    MethodSpec { name: "crm.item.list", weight: 220, median_ms: 380.0 },
    MethodSpec { name: "crm.item.get", weight: 140, median_ms: 120.0 },
    MethodSpec { name: "crm.item.update", weight: 90, median_ms: 210.0 },
    MethodSpec { name: "crm.item.add", weight: 40, median_ms: 260.0 },
    MethodSpec { name: "crm.deal.update", weight: 45, median_ms: 230.0 },
    MethodSpec { name: "crm.deal.list", weight: 40, median_ms: 420.0 },
    MethodSpec { name: "crm.contact.get", weight: 30, median_ms: 110.0 },
    MethodSpec { name: "crm.company.list", weight: 12, median_ms: 390.0 },
    MethodSpec { name: "crm.timeline.comment.add", weight: 20, median_ms: 150.0 },
    MethodSpec { name: "crm.activity.todo.add", weight: 15, median_ms: 170.0 },
    MethodSpec { name: "tasks.task.add", weight: 35, median_ms: 240.0 },
    MethodSpec { name: "tasks.task.list", weight: 25, median_ms: 350.0 },
    MethodSpec { name: "tasks.task.update", weight: 15, median_ms: 200.0 },
    MethodSpec { name: "batch", weight: 60, median_ms: 900.0 },
    MethodSpec { name: "user.current", weight: 25, median_ms: 60.0 },
    MethodSpec { name: "user.get", weight: 15, median_ms: 90.0 },
    MethodSpec { name: "profile", weight: 10, median_ms: 50.0 },
    MethodSpec { name: "app.info", weight: 10, median_ms: 45.0 },
    MethodSpec { name: "placement.get", weight: 8, median_ms: 70.0 },
    MethodSpec { name: "placement.bind", weight: 2, median_ms: 95.0 },
    MethodSpec { name: "event.bind", weight: 2, median_ms: 80.0 },
    MethodSpec { name: "event.get", weight: 3, median_ms: 70.0 },
    MethodSpec { name: "im.notify.system.add", weight: 12, median_ms: 85.0 },
    MethodSpec { name: "disk.folder.uploadfile", weight: 5, median_ms: 1400.0 },
    MethodSpec { name: "catalog.document.confirm", weight: 3, median_ms: 310.0 },
    MethodSpec { name: "crm.enum.activitytype", weight: 2, median_ms: 40.0 },
    MethodSpec { name: "im.search.last.get", weight: 2, median_ms: 60.0 },
    MethodSpec { name: "server.time", weight: 4, median_ms: 30.0 },
];

/// A Bitrix24 error with its HTTP status and description, and its base frequency per 10,000 calls.
pub struct ErrorSpec {
    /// `error` code.
    pub code: &'static str,
    /// HTTP status it comes with.
    pub http_status: i64,
    /// `error_description`.
    pub description: &'static str,
    /// Occurrences per 10,000 calls on an ordinary portal.
    pub per_10k: u32,
}

/// The error mix of an ordinary portal (reference/bitrix24.md §3).
pub const ERRORS: &[ErrorSpec] = &[
    ErrorSpec { code: "QUERY_LIMIT_EXCEEDED", http_status: 503, description: "Too many requests", per_10k: 120 },
    ErrorSpec {
        code: "expired_token",
        http_status: 401,
        description: "The access token provided has expired",
        per_10k: 80,
    },
    ErrorSpec {
        code: "OPERATION_TIME_LIMIT",
        http_status: 429,
        description: "Method is blocked due to operation time limit.",
        per_10k: 25,
    },
    ErrorSpec { code: "INTERNAL_SERVER_ERROR", http_status: 500, description: "Internal server error", per_10k: 25 },
    ErrorSpec {
        code: "insufficient_scope",
        http_status: 401,
        description: "The request requires higher privileges than provided by the access token",
        per_10k: 15,
    },
    ErrorSpec { code: "ACCESS_DENIED", http_status: 403, description: "Access denied!", per_10k: 15 },
    ErrorSpec {
        code: "ERROR_CORE",
        http_status: 400,
        description: "Unable to set placement handler: Handler already binded",
        per_10k: 6,
    },
    ErrorSpec { code: "ERROR_ARGUMENT", http_status: 400, description: "Argument 'ID' is null or empty", per_10k: 8 },
    ErrorSpec { code: "NO_AUTH_FOUND", http_status: 401, description: "Wrong authorization data", per_10k: 4 },
];

/// Errors that belong to one portal's situation rather than to chance.
pub const METHOD_NOT_FOUND: (&str, i64, &str) = ("ERROR_METHOD_NOT_FOUND", 404, "Method not found!");
/// A portal that closed.
pub const PORTAL_DELETED: (&str, i64, &str) = ("PORTAL_DELETED", 403, "Portal was deleted");
/// A portal whose token died.
pub const INVALID_TOKEN: (&str, i64, &str) = ("invalid_token", 401, "Unable to get application by token");
/// A portal that stopped paying.
pub const PAYMENT_REQUIRED: (&str, i64, &str) = ("PAYMENT_REQUIRED", 402, "Subscription has been ended");

/// App-side error types (Sentry-style exception classes) with a message.
pub const APP_ERRORS: &[(&str, &str)] = &[
    (
        "Bitrix24\\SDK\\Core\\Exceptions\\TransportException",
        "cURL error 28: Operation timed out after 30001 milliseconds",
    ),
    ("PDOException", "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock"),
    ("App\\Sync\\DealMappingException", "Pipeline C12 has no stage matching 'WON' on this portal"),
    ("TypeError", "Argument #1 ($deal) must be of type array, null given"),
    ("App\\Placement\\HandlerException", "Placement CRM_DEAL_DETAIL_TAB handler returned 500"),
    ("RedisException", "read error on connection to redis:6379"),
];

/// Background task kinds with a typical failure.
pub const TASK_KINDS: &[(&str, &str)] = &[
    ("sync.deals", "crm.deal.list: QUERY_LIMIT_EXCEEDED Too many requests (after 5 retries)"),
    ("sync.contacts", "crm.item.list: ACCESS_DENIED Access denied!"),
    ("webhook.deliver", "POST https://hooks.example.net/b24: 502 Bad Gateway"),
    ("report.build", "OPERATION_TIME_LIMIT: Method is blocked due to operation time limit."),
    ("tokens.refresh", "invalid_grant: refresh token expired"),
    ("placement.rebind", "ERROR_CORE: Unable to set placement handler: Handler already binded"),
];

/// Syllables for company names in portal domains.
pub const NAME_PARTS: &[&str] = &[
    "acme", "nord", "alfa", "vega", "stroy", "trade", "logist", "medi", "tech", "agro", "invest", "print", "auto",
    "soft", "group", "expert", "market", "plus", "pro", "service", "line", "city", "euro", "baltic",
];

/// Bitrix24 cloud zones.
pub const ZONES: &[&str] = &["bitrix24.com", "bitrix24.ru", "bitrix24.de", "bitrix24.eu", "bitrix24.by", "bitrix24.kz"];

/// First names for requesters and reviewers.
pub const PEOPLE: &[&str] = &[
    "Anna Petrova",
    "Mark Weber",
    "Olga Ivanova",
    "James Carter",
    "Sofia Rossi",
    "Dmitry Sokolov",
    "Lena Braun",
    "Pavel Orlov",
    "Maria Lopez",
    "Tom Baker",
    "Irina Volkova",
    "Lukas Schmidt",
];

/// Ticket subjects with a priority.
pub const TICKET_SUBJECTS: &[(&str, &str)] = &[
    ("App does not open for anyone in our company", "critical"),
    ("Deals stopped syncing since yesterday", "high"),
    ("Empty tab in the deal card", "high"),
    ("How to change the pipeline mapping?", "normal"),
    ("Invoice for the annual subscription", "low"),
    ("Error 'Access denied' for managers", "normal"),
    ("Duplicate contacts after import", "normal"),
    ("Request: export to Excel", "low"),
    ("Sync is very slow", "normal"),
];

/// Review texts by rating.
pub const REVIEW_TEXTS: &[(i64, &str)] = &[
    (1, "Stopped working after the last Bitrix24 update. Support is silent."),
    (2, "Deals sync with big delays, sometimes not at all. Expected more for the price."),
    (2, "The tab in the deal card is empty for half of our managers."),
    (3, "Does the job, but setup was confusing."),
    (4, "Good app, support helped quickly with the mapping."),
    (5, "Exactly what we needed, works flawlessly."),
    (5, "Great support, fixed our issue within an hour."),
];
