using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

public class LogAnalyzerTests
{
    static LogVerdict? Analyze(string log) =>
        LogAnalyzer.Analyze(LogView.From(new LogTail(log, LogSource.Previous), new ClassifierOptions()), new ClassifierOptions());

    [Fact]
    public void JavaConnectionRefusedBuriedInACausedByChainIsAnUnreachableDependency()
    {
        var verdict = Analyze("""
            2026-11-24 20:00:01 INFO  Starting OrderService v2.3.1
            org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource'
            	at org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1804)
            	at org.springframework.boot.SpringApplication.run(SpringApplication.java:1306)
            Caused by: org.hibernate.exception.JDBCConnectionException: Unable to open JDBC Connection for DDL execution
            	at org.hibernate.exception.internal.SQLStateConversionDelegate.convert(SQLStateConversionDelegate.java:100)
            Caused by: org.postgresql.util.PSQLException: Connection to postgres:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.
            	at org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:319)
            	... 42 common frames omitted
            """);
        Assert.Equal(Causes.DependencyUnavailable, verdict?.Cause);
        Assert.Contains("postgres:5432", verdict!.Line.Text);
    }

    [Fact]
    public void PythonKeyErrorOnAnEnvironmentVariableIsAConfigError()
    {
        var verdict = Analyze("""
            Traceback (most recent call last):
              File "/app/main.py", line 4, in <module>
                DATABASE_URL = os.environ["DATABASE_URL"]
              File "/usr/local/lib/python3.12/os.py", line 714, in __getitem__
                raise KeyError(key) from None
            KeyError: 'DATABASE_URL'
            """);
        Assert.Equal(Causes.ConfigError, verdict?.Cause);
        Assert.Equal("KeyError: 'DATABASE_URL'", verdict!.Line.Text);
    }

    [Fact]
    public void PythonKeyErrorInPlainDataIsAnApplicationError()
    {
        var verdict = Analyze("""
            Traceback (most recent call last):
              File "/app/worker.py", line 40, in handle
                total = order["total"]
            KeyError: 'total'
            """);
        Assert.Equal(Causes.ApplicationError, verdict?.Cause);
    }

    [Fact]
    public void NodeEconnrefusedIsAnUnreachableDependency()
    {
        var verdict = Analyze("""
            Server starting...
            node:internal/process/promises:289
                        triggerUncaughtException(err, true /* fromPromise */);
                        ^

            Error: connect ECONNREFUSED 10.96.12.4:6379
                at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {
              errno: -111,
              code: 'ECONNREFUSED',
            }
            """);
        Assert.Equal(Causes.DependencyUnavailable, verdict?.Cause);
    }

    [Fact]
    public void DotnetInnerExceptionDecidesTheCause()
    {
        var verdict = Analyze("""
            Unhandled exception. System.InvalidOperationException: An exception has been raised that is likely due to a transient failure.
             ---> Npgsql.NpgsqlException (0x80004005): Failed to connect to 10.0.3.7:5432
             ---> System.Net.Sockets.SocketException (111): Connection refused
               at Npgsql.Internal.NpgsqlConnector.Connect(NpgsqlTimeout timeout)
               --- End of inner exception stack trace ---
               at Program.<Main>$(String[] args) in /src/Program.cs:line 12
            """);
        Assert.Equal(Causes.DependencyUnavailable, verdict?.Cause);
        Assert.Contains("Connection refused", verdict!.Line.Text);
    }

    [Fact]
    public void GoNilPointerPanicIsAnApplicationErrorNotANativeCrash()
    {
        var verdict = Analyze("""
            I1124 20:00:01.000000       1 controller.go:88] Starting reconciler
            panic: runtime error: invalid memory address or nil pointer dereference
            [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1234567]

            goroutine 1 [running]:
            main.(*Reconciler).Reconcile(0x0)
            	/src/reconciler.go:42 +0x1d
            """);
        Assert.Equal(Causes.ApplicationError, verdict?.Cause);
        Assert.StartsWith("panic:", verdict!.Line.Text);
    }

    [Fact]
    public void GoRuntimeOutOfMemoryIsRuntimeOutOfMemory() =>
        Assert.Equal(Causes.RuntimeOutOfMemory, Analyze("fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw(0x1)\n\t/usr/local/go/src/runtime/panic.go:1047")?.Cause);

    [Fact]
    public void RubyNoMethodErrorIsAnApplicationError() =>
        Assert.Equal(Causes.ApplicationError, Analyze("/app/lib/sync.rb:12:in `run': undefined method `each' for nil:NilClass (NoMethodError)\n\tfrom /app/bin/sync:5:in `<main>'")?.Cause);

    [Fact]
    public void RustPanicIsAnApplicationError() =>
        Assert.Equal(Causes.ApplicationError, Analyze("thread 'main' panicked at src/main.rs:14:38:\ncalled `Option::unwrap()` on a `None` value\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace")?.Cause);

    [Fact]
    public void AnsiColourCodesDoNotHideTheError()
    {
        var verdict = Analyze("\u001b[32mINFO\u001b[0m booting\n\u001b[31mERROR\u001b[0m dial tcp: lookup redis-master on 10.96.0.10:53: no such host");
        Assert.Equal(Causes.DependencyUnavailable, verdict?.Cause);
        Assert.DoesNotContain('\u001b', verdict!.Line.Text);
    }

    [Fact]
    public void JsonLogLinesAreReadByTheirFields()
    {
        var verdict = Analyze("""
            {"level":"info","ts":1732478400,"msg":"starting api"}
            {"level":"fatal","ts":1732478401,"msg":"cannot start","error":"open /etc/api/config.yaml: no such file or directory"}
            """);
        Assert.Equal(Causes.ConfigError, verdict?.Cause);
        Assert.StartsWith("FATAL cannot start | open /etc/api/config.yaml", verdict!.Line.Text);
    }

    [Fact]
    public void AnOldPermissionDeniedTheProcessSurvivedIsNotTheCause()
    {
        var verdict = Analyze("""
            chown: /var/lib/app/cache: Operation not permitted
            INFO loading modules
            INFO Listening on :8080
            INFO connected to queue
            ERROR upstream timeout, giving up: dial tcp 10.0.0.12:5672: i/o timeout
            """);
        Assert.Equal(Causes.DependencyUnavailable, verdict?.Cause);
    }

    [Fact]
    public void TheLastLinesOutweighEarlierOnes()
    {
        var early = Enumerable.Repeat("INFO still working", 40);
        var log = string.Join('\n', new[] { "WARN could not connect to cache, continuing without it" }.Concat(early).Append("java.lang.OutOfMemoryError: Java heap space"));
        Assert.Equal(Causes.RuntimeOutOfMemory, Analyze(log)?.Cause);
    }

    [Fact]
    public void AHealthyLookingLogHasNoVerdict() =>
        Assert.Null(Analyze("INFO started\nINFO Listening on :8080\nINFO GET /healthz 200"));

    [Fact]
    public void OnlyTheBoundedTailOfAHugeLogIsRead()
    {
        var huge = string.Concat(Enumerable.Repeat("INFO request served in 3ms by worker 17 of the pool\n", 200_000)) + "Segmentation fault (core dumped)\n";
        Assert.True(huge.Length > 10_000_000);
        var view = LogView.From(new LogTail(huge, LogSource.Previous), new ClassifierOptions());
        Assert.True(view.Lines.Count <= new ClassifierOptions().MaxLogChars / 40);
        Assert.Equal(Causes.NativeCrash, LogAnalyzer.Analyze(view, new ClassifierOptions())?.Cause);
    }

    [Fact]
    public void ALogIsReadOnceForEqualOptionsAndAgainForOtherOnes()
    {
        // The classifier and the follow-up questions each bring options of their own with the same values: they share
        // one reading of the log (and its verdict), while other limits get a reading of their own.
        var tail = new LogTail("line one\nline two\nline three\nSegmentation fault (core dumped)\n", LogSource.Previous);
        var first = LogView.From(tail, new ClassifierOptions());
        Assert.Same(first, LogView.From(tail, new ClassifierOptions()));
        Assert.Same(first.VerdictFor(new ClassifierOptions()), first.VerdictFor(new ClassifierOptions()));
        var shorter = LogView.From(tail, new ClassifierOptions { MaxLogLines = 2 });
        Assert.NotSame(first, shorter);
        Assert.Equal(2, shorter.Lines.Count);
        Assert.Equal(4, LogView.From(tail, new ClassifierOptions()).Lines.Count);
    }

    [Fact]
    public void GunicornWrapperChatterDoesNotBuryTheWorkersRealError()
    {
        var verdict = Analyze("""
            [2026-11-24 20:00:01 +0000] [1] [INFO] Starting gunicorn 22.0.0
            [2026-11-24 20:00:01 +0000] [7] [ERROR] Exception in worker process
            Traceback (most recent call last):
              File "/app/settings.py", line 8, in <module>
                SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
              File "<frozen os>", line 714, in __getitem__
            KeyError: 'DJANGO_SECRET_KEY'
            [2026-11-24 20:00:01 +0000] [7] [INFO] Worker exiting (pid: 7)
            [2026-11-24 20:00:02 +0000] [1] [ERROR] Worker (pid:7) exited with code 3
            [2026-11-24 20:00:02 +0000] [1] [ERROR] Shutting down: Master
            [2026-11-24 20:00:02 +0000] [1] [ERROR] Reason: Worker failed to boot.
            Traceback (most recent call last):
              File "/usr/local/bin/gunicorn", line 8, in <module>
                sys.exit(run())
              File "/usr/local/lib/python3.12/site-packages/gunicorn/arbiter.py", line 232, in run
                self.halt(reason=inst.reason, exit_status=inst.exit_status)
            gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>
            """);
        Assert.Equal(Causes.ConfigError, verdict?.Cause);
    }

    [Fact]
    public void NpmErrorLinesDoNotBuryTheNodeError()
    {
        var npm = string.Join('\n', Enumerable.Range(0, 12).Select(i => $"npm ERR! line {i} of npm's own report"));
        var verdict = Analyze("> api@1.0.0 start\n> node server.js\n\nError: connect ECONNREFUSED 10.96.0.20:5672\n    at TCPConnectWrap.afterConnect (node:net:1555:16)\n" + npm);
        Assert.Equal(Causes.DependencyUnavailable, verdict?.Cause);
    }

    [Fact]
    public void HelpTextAfterABadFlagDoesNotBuryIt()
    {
        var usage = string.Join('\n', Enumerable.Range(0, 30).Select(i => $"  -option-{i} string\n        what option {i} does (default \"x\")"));
        var verdict = Analyze("flag provided but not defined: -zap-level\nUsage of /manager:\n" + usage);
        Assert.Equal(Causes.ConfigError, verdict?.Cause);
        Assert.True(verdict!.Score > 0.7);
    }

    [Fact]
    public void GlibcMemoryMapsAfterADoubleFreeAreFrames()
    {
        var map = string.Join('\n', Enumerable.Range(0, 40).Select(i => $"7f9ba{i:x3}000-7f9ba{i + 1:x3}000 r-xp 00000000 08:01 671149   /lib/x86_64-linux-gnu/libc-2.23.so"));
        var verdict = Analyze("*** Error in `python': double free or corruption (out): 0x000055fa3097d810 ***\n======= Backtrace: =========\n/lib/x86_64-linux-gnu/libc.so.6(+0x777e5)[0x7f9ba2dd67e5]\n======= Memory map: ========\n" + map);
        Assert.Equal(Causes.NativeCrash, verdict?.Cause);
        Assert.True(verdict!.Score > 0.8);
    }

    [Fact]
    public void ALogWithoutLineBreaksIsStillReadFromItsEnd()
    {
        var oneLine = string.Concat(Enumerable.Repeat("SOME_TOKEN_NAME=value ", 500_000)) + " dial tcp 10.0.0.5:5432: connect: connection refused";
        var started = System.Diagnostics.Stopwatch.StartNew();
        var view = LogView.From(new LogTail(oneLine, LogSource.Previous), new ClassifierOptions());
        var verdict = LogAnalyzer.Analyze(view, new ClassifierOptions());
        Assert.Single(view.Lines);
        Assert.True(view.Lines[0].Text.Length <= LogNormalizer.MaxLineChars);
        Assert.NotNull(verdict);
        // Backtracking over an 11 MB line would take minutes; a linear read takes well under a second anywhere.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Fact]
    public void AnsiStripperRemovesColourAndTitleSequences() =>
        Assert.Equal("red title", AnsiStripper.Strip("\u001b[1;31mred\u001b[0m \u001b]0;x\u0007title"));
}
