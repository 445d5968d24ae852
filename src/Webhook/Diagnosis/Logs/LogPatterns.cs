using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// The log table: which line text points at which cause, and how strongly. Specific causes outrank the
/// generic "an exception happened", so a Connection refused inside a stack trace reads as a dependency.
/// </summary>
public static partial class LogPatterns
{
    const RegexOptions I = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    public static readonly IReadOnlyList<LogPattern> All =
    [
        new("exec format error", Causes.WrongArchitecture, 1.0, ExecFormat()),
        new("runtime out of memory", Causes.RuntimeOutOfMemory, 0.95, RuntimeOom()),
        new("cannot allocate memory", Causes.RuntimeOutOfMemory, 0.7, CannotAllocate()),
        new("command cannot run", Causes.BadCommand, 0.9, BadCommand()),
        new("native crash", Causes.NativeCrash, 0.85, NativeCrash()),
        new("missing environment variable", Causes.ConfigError, 0.85, MissingEnvVar()),
        new("missing setting", Causes.ConfigError, 0.8, MissingSetting()),
        new("invalid configuration", Causes.ConfigError, 0.8, InvalidConfig()),
        new("config file missing", Causes.ConfigError, 0.82, ConfigFileMissing()),
        new("bad flag", Causes.ConfigError, 0.8, BadFlag()),
        new("credentials rejected", Causes.ConfigError, 0.8, BadCredentials()),
        new("kubernetes object missing", Causes.ConfigError, 0.75, KubernetesNotFound()),
        new("nginx emergency", Causes.ConfigError, 0.6, NginxEmerg()),
        new("child killed", Causes.OomKilled, 0.7, ShellKilled()),
        new("dependency unreachable", Causes.DependencyUnavailable, 0.8, Unreachable()),
        new("dependency slow", Causes.DependencyUnavailable, 0.6, DeadlineExceeded()),
        new("permission denied", Causes.PermissionDenied, 0.78, PermissionDenied()),
        new("exception", Causes.ApplicationError, 0.55, ExceptionHeader()),
        new("fatal", Causes.ApplicationError, 0.45, Fatal()),
        new("failure", Causes.ApplicationError, 0.32, Failure()),
        new("error", Causes.ApplicationError, 0.3, Error()),
    ];

    [GeneratedRegex(@"exec format error|cannot execute binary file", I)]
    private static partial Regex ExecFormat();

    [GeneratedRegex(@"java\.lang\.OutOfMemoryError|JavaScript heap out of memory|heap limit Allocation failed|fatal error: runtime: out of memory|(^|[\s.:])MemoryError\b|OutOfMemoryException|memory allocation of \d+ bytes failed|NoMemoryError|failed to (reserve|allocate) memory|Out of memory\.?$|GC overhead limit exceeded|Allowed memory size of \d+ bytes exhausted|Memory limit exceeded: Using", RegexOptions.CultureInvariant)]
    private static partial Regex RuntimeOom();

    [GeneratedRegex(@"Cannot allocate memory|\bENOMEM\b", I)]
    private static partial Regex CannotAllocate();

    [GeneratedRegex(@"executable file not found in \$PATH|bad interpreter|\bcommand not found\b|^(/bin/|/usr/bin/)?(ba|da|z)?sh: (\d+: )?(line \d+: )?\S+: not found|^(/bin/|/usr/bin/)?(ba|da|z)?sh: \d+: exec: \S+: not found|/usr/bin/env: .*: No such file or directory|\bexec \S+ failed: (No such file or directory|Permission denied)|^exec \S+: (no such file or directory|permission denied)|can't open file .*\[Errno 2\]|Cannot find module '(/|\./)|Unable to access jarfile|Could not find or load main class|\^M|(entrypoint|\.sh)\S*: no such file or directory|no such file or directory.*entrypoint|unknown command ""|OCI runtime (create|exec) failed|starting container process caused|exec user process caused:? ""?(no such file or directory|permission denied)|error while loading shared libraries|You must install or update \.NET|The application to execute does not exist|The application '[^']+' does not exist|no main manifest attribute", I)]
    private static partial Regex BadCommand();

    [GeneratedRegex(@"Segmentation fault|core dumped|(?<!\[signal )\bSIG(SEGV|ILL|BUS|FPE)\b(?!: segmentation violation)|Illegal instruction|Bus error|fatal error has been detected by the Java Runtime|double free or corruption|stack smashing detected|free\(\): invalid|malloc\(\): |terminate called after throwing|Fatal Python error", I)]
    private static partial Regex NativeCrash();

    [GeneratedRegex(@"KeyError: '[A-Z][A-Z0-9_]{2,}'|\b[A-Z][A-Z0-9_]{2,}: (unbound variable|parameter (null or )?not set)|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b.*\b(is not set|not set|must be set|is required|is missing|is undefined|not defined|cannot be empty|must not be empty|is empty)|(environment variable|env var)s?\b.*\b(not set|required|must be set|must be defined|missing|undefined|not defined|not found|empty)|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b.*\bmust be defined|missing (required )?(environment variable|env var)", RegexOptions.CultureInvariant)]
    private static partial Regex MissingEnvVar();

    [GeneratedRegex(@"requires? (that )?(these|the following) (environment )?variables (are|to be) (set|defined)|following (environment )?variables (are|were) (not set|missing|required)|missing required|required (config|configuration|setting|option|field|parameter|property|key|value|variable)|(setting|option|property|parameter)s? .*(is required|is missing|must be (set|provided|specified))|Could not resolve placeholder|Failed to bind properties|Failed to configure a DataSource|ImproperlyConfigured|validation errors? for \w*Settings|ConnectionString property has not been initialized|No connection string named|Parameter 'connectionString'|must be provided|must be specified|\bmissing\b.{0,40}(key|secret|token|setting|config|variable|credential|password|url\b|uri\b|dsn\b)|vm\.max_map_count|bootstrap checks failed", I)]
    private static partial Regex MissingSetting();

    [GeneratedRegex(@"ConfigurationException|OptionsValidationException|invalid configuration|configuration (error|is invalid)|config error|invalid config|failed to (load|parse|read|validate) (the )?(config|configuration|settings)|error (loading|parsing|reading) (the )?(config|configuration|settings)|unable to (load|parse|read) (the )?(config|configuration|settings)|yaml: (line \d+|unmarshal)|mapping values are not allowed|could not find expected ':'|YAMLException|ScannerError|JSONDecodeError|JsonParseException|database ""?[\w-]+""? does not exist|role ""[\w-]+"" does not exist|x509: certificate signed by unknown authority|certificate verify failed|unable to get local issuer certificate|Unknown database|unknown directive|invalid value .* for|(config|yaml|toml|settings)\S*.{0,80}cannot unmarshal|cannot unmarshal .{0,120}(config|Config|settings|Settings)\b", I)]
    private static partial Regex InvalidConfig();

    [GeneratedRegex(@"(no such file or directory|(?<!host )not found|FileNotFoundException|ENOENT|does not exist|cannot find|could not find|Could not open).*\.(ya?ml|json|conf|cfg|ini|toml|properties|env|xml|pem|crt|key)\b|\.(ya?ml|json|conf|cfg|ini|toml|properties|env|pem|crt|xml)\b['""]?:? .*(no such file|not found|does not exist|ENOENT|cannot find)", I)]
    private static partial Regex ConfigFileMissing();

    [GeneratedRegex(@"unknown (shorthand |short |long )?flag|flag provided but not defined|unrecognized (option|argument)s?|unknown (option|argument)|invalid (option|argument|flag)\b|unexpected argument|no such option", I)]
    private static partial Regex BadFlag();

    [GeneratedRegex(@"password authentication failed|Access denied for user|authentication failed|invalid (api[ _-]?key|token|credentials|password|username or password)|Login failed for user|NOAUTH|WRONGPASS|SASL authentication|invalid_grant|InvalidClientTokenId|SignatureDoesNotMatch|NoCredentialProviders|Unable to locate credentials|could not find default credentials|AuthenticationException|bad credentials|401 Unauthorized|password was incorrect|incorrect password|wrong password", I)]
    private static partial Regex BadCredentials();

    [GeneratedRegex(@"Error from server \(NotFound\): [\w.]+ ""[^""]+"" not found", RegexOptions.CultureInvariant)]
    private static partial Regex KubernetesNotFound();

    [GeneratedRegex(@"line \d+: +\d+ Killed\s+\S|^Killed$", RegexOptions.CultureInvariant)]
    private static partial Regex ShellKilled();

    [GeneratedRegex(@"\[emerg\]", I)]
    private static partial Regex NginxEmerg();

    [GeneratedRegex(@"connection refused|\bECONNREFUSED\b|no such host|Name or service not known|i/o timeout|Connection timed out|connect timed out|timed out connecting|Could not connect to|could not translate host name|Temporary failure in name resolution|getaddrinfo|\bENOTFOUND\b|\bEAI_AGAIN\b|\bETIMEDOUT\b|\bEHOSTUNREACH\b|No route to host|Network is unreachable|Communications link failure|Unable to connect to|Failed to connect to|failed to connect|cannot connect to|can't connect to|Connection reset by peer|UnknownHostException|NoRouteToHostException|ConnectException|server selection tim|ServerSelectionTimeoutError|MongoServerSelectionError|No connection could be made|Is the server running|connection to server at .* failed|host not found|nodename nor servname|NoBrokersAvailable|could not be established|upstream connect error|Lost connection to MySQL|the database system is starting up|RedisConnectionException|Unable to connect|Connection to .* refused|dial tcp|dial unix|Name does not resolve|\bECONNRESET\b|Could not open JDBC Connection|Connection is not available|SocketTimeoutException|Failed to establish a new connection|Max retries exceeded with url|network-related or instance-specific error|Unknown MySQL server host|ServiceUnavailable|service unavailable|(host|server|service|broker|endpoint|address|destination|cluster|database|api)\S* (is )?(not reachable|unreachable)|\bunreachable (host|network|server)", I)]
    private static partial Regex Unreachable();

    [GeneratedRegex(@"context deadline exceeded|deadline exceeded|timed out waiting for|Timeout expired|timeout exceeded", I)]
    private static partial Regex DeadlineExceeded();

    [GeneratedRegex(@"permission denied(?! for (table|relation|schema|database|sequence|function|view))(?! \(publickey)|\bEACCES\b|\bEPERM\b|Operation not permitted|Read-only file system|read-only (directory|filesystem)|is forbidden: User ""system:serviceaccount|cannot (list|get|watch|create|update|patch|delete) resource|\bEROFS\b|AccessDeniedException|PermissionError|UnauthorizedAccessException|Access to the path .* is denied|insufficient permissions|are you root\?|must be run as root|Errno 13|has wrong ownership|has group or world access", I)]
    private static partial Regex PermissionDenied();

    [GeneratedRegex(@"^(Exception in thread ""[^""]*"" )?(Caused by: )?([a-z_$][\w$]*\.)+[A-Z][\w$]*(Exception|Error|Throwable)\b|Unhandled exception|^\s*---> [\w.]+|^(Uncaught )?([A-Z]\w*)?(Error|Exception)( \[\w+\])?(: |$)|^\s*\[cause\]: |^panic: |^fatal error: |:in `[^']*': .* \([A-Z]\w*(::\w+)*\)$|panicked at|^(\w+\.)*[A-Z]\w*(Error|Exception): ", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionHeader();

    [GeneratedRegex(@"\bFATAL\b|level=fatal|""level"":""fatal""|\[fatal\]|\bCRITICAL\b|\bfatal:|\bUnhandled\b|UnhandledPromiseRejection|uncaught exception|Application run failed|APPLICATION FAILED TO START|Error starting ApplicationContext|exiting due to|shutting down due to|Traceback \(most recent call last\)|\bpanic\b", RegexOptions.CultureInvariant)]
    private static partial Regex Fatal();

    // Go's log.Fatalf and friends print a bare sentence: "failed to start server: ...".
    [GeneratedRegex(@"\b(failed to|could not|couldn't|unable to|cannot) \w+", I)]
    private static partial Regex Failure();

    [GeneratedRegex(@"\bERROR\b|level=error|\berror:|\[error\]|\bERR\b|\bE\d{4} \d", RegexOptions.CultureInvariant)]
    private static partial Regex Error();
}
