using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>Single decisive lines from common stacks, each with the cause it must point at.</summary>
public class LogLineCauseTests
{
    static string? CauseOf(string log) =>
        LogAnalyzer.Analyze(LogView.From(new LogTail(log, LogSource.Previous), new ClassifierOptions()), new ClassifierOptions())?.Cause;

    [Theory]
    [InlineData("standard_init_linux.go:228: exec user process caused: exec format error", Causes.WrongArchitecture)]
    [InlineData("standard_init_linux.go:211: exec user process caused \"no such file or directory\"", Causes.BadCommand)]
    [InlineData("/usr/local/bin/app: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory", Causes.BadCommand)]
    [InlineData("/docker-entrypoint.sh: line 12: gunicorn: command not found", Causes.BadCommand)]
    [InlineData("Error: Unable to access jarfile /app/app.jar", Causes.BadCommand)]
    [InlineData("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space", Causes.RuntimeOutOfMemory)]
    [InlineData("MemoryError", Causes.RuntimeOutOfMemory)]
    [InlineData("Segmentation fault (core dumped)", Causes.NativeCrash)]
    [InlineData("terminate called after throwing an instance of 'std::runtime_error'", Causes.NativeCrash)]
    [InlineData("FATAL:  data directory \"/var/lib/postgresql/data\" has wrong ownership", Causes.PermissionDenied)]
    [InlineData("nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)", Causes.PermissionDenied)]
    [InlineData("OSError: [Errno 30] Read-only file system: '/app/cache'", Causes.PermissionDenied)]
    [InlineData("nginx: [emerg] unknown directive \"proxy_passs\" in /etc/nginx/conf.d/default.conf:12", Causes.ConfigError)]
    [InlineData("Error: unknown flag: --listen-addres", Causes.ConfigError)]
    [InlineData("psql: error: FATAL:  password authentication failed for user \"app\"", Causes.ConfigError)]
    [InlineData("ArgumentError: Missing `secret_key_base` for 'production' environment, set this string with `bin/rails credentials:edit`", Causes.ConfigError)]
    [InlineData("ERROR: bootstrap checks failed: max virtual memory areas vm.max_map_count [65530] is too low", Causes.ConfigError)]
    [InlineData("/opt/entrypoint.sh: line 9: REDIS_HOST: unbound variable", Causes.ConfigError)]
    [InlineData("nginx: [emerg] host not found in upstream \"backend:8080\" in /etc/nginx/conf.d/default.conf:5", Causes.DependencyUnavailable)]
    [InlineData("sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not translate host name \"db\" to address: Name or service not known", Causes.DependencyUnavailable)]
    [InlineData("PG::ConnectionBad: could not connect to server: Connection refused", Causes.DependencyUnavailable)]
    [InlineData("pymongo.errors.ServerSelectionTimeoutError: mongo:27017: [Errno 111] Connection refused", Causes.DependencyUnavailable)]
    [InlineData("{\"t\":{\"$date\":\"2026-11-24T20:00:01.000Z\"},\"s\":\"E\",\"c\":\"STORAGE\",\"msg\":\"DBException in initAndListen, terminating\",\"attr\":{\"error\":\"IllegalOperation: Attempted to create a lock file on a read-only directory: /data/db\"}}", Causes.PermissionDenied)]
    [InlineData("E1124 20:00:01.000000 1 reflector.go:138] pods is forbidden: User \"system:serviceaccount:shop:api\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"", Causes.PermissionDenied)]
    [InlineData("panic: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined", Causes.ConfigError)]
    [InlineData("Caused by: java.io.IOException: Keystore was tampered with, or password was incorrect", Causes.ConfigError)]
    [InlineData("django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.", Causes.ConfigError)]
    [InlineData("PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/html/db.php:12", Causes.DependencyUnavailable)]
    [InlineData("Error: listen EACCES: permission denied 0.0.0.0:80", Causes.PermissionDenied)]
    [InlineData("panic: pq: password authentication failed for user \"postgres\"", Causes.ConfigError)]
    [InlineData("FATAL:  role \"app\" does not exist", Causes.ConfigError)]
    [InlineData("sh: 1: exec: /app/start.sh: not found", Causes.BadCommand)]
    [InlineData("/usr/bin/env: 'python': No such file or directory", Causes.BadCommand)]
    [InlineData("[FATAL tini (7)] exec /app/run failed: No such file or directory", Causes.BadCommand)]
    [InlineData("redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.", Causes.DependencyUnavailable)]
    [InlineData("MongoNetworkError: failed to connect to server [mongo:27017] on first connect", Causes.DependencyUnavailable)]
    [InlineData("Error: getaddrinfo ENOTFOUND mongo", Causes.DependencyUnavailable)]
    [InlineData("Error: EROFS: read-only file system, open '/app/.cache/data.json'", Causes.PermissionDenied)]
    [InlineData("TypeError: Cannot read properties of undefined (reading 'map')", Causes.ApplicationError)]
    [InlineData("Error: boom", Causes.ApplicationError)]
    [InlineData("2026/11/24 20:00:01 failed to load templates: template: index.html:3: unexpected EOF", Causes.ApplicationError)]
    public void TheDecisiveLinePointsAtItsCause(string line, string cause) => Assert.Equal(cause, CauseOf(line));

    [Fact]
    public void KubectlTimestampsDoNotHideAnAnchoredPanic() =>
        Assert.Equal(Causes.ApplicationError, CauseOf("2026-11-24T20:00:01.123456789Z panic: assignment to entry in nil map"));

    [Fact]
    public void ShellReportingAKilledChildIsAnOomKill() =>
        Assert.Equal(Causes.OomKilled, CauseOf("starting worker\n/entrypoint.sh: line 7:    23 Killed                  java -jar /app/worker.jar"));
}
