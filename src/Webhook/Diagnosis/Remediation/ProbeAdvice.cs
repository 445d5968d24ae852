using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>
/// Next steps and the one mechanical change for a probe kill, written from the probe findings: a missing route
/// (fix the path, naming the one the other probe uses), a refused port (the port the app listens on), a timeout
/// (timeoutSeconds with a concrete value, or a stuck check when the timeout was already generous), an exec
/// command's output, and a slow start (a startupProbe with numbers above the observed start-up time).
/// </summary>
public static partial class ProbeAdvice
{
    public sealed record Advice(IReadOnlyList<string> Steps, ProposedChange? Change);

    public static Advice For(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var kind = match.Detail is "startup" ? "startup" : "liveness";
        var steps = new List<string>();
        ProposedChange? change = null;
        var probe = ProbeSpec.Of(facts.Spec, kind);
        var container = facts.Spec;
        var pod = Shell.Quote(facts.PodName);
        var ns = Shell.Quote(facts.Namespace);
        var c = Shell.Quote(facts.ContainerName ?? "CONTAINER");

        if (probe is null)
        {
            steps.Add($"The events report a failing {kind} probe, but the pod's spec has none for {facts.ContainerName}: compare them with the probe in the workload's template");
            return new Advice(steps, null);
        }
        var port = probe.Port(container);
        var others = findings.OfKind(FindingKinds.OtherProbe).ToList();
        var listening = findings.OfKind(FindingKinds.ListeningPort).ToList();
        var slow = findings.First(FindingKinds.SlowStart);
        var workload = WorkloadRef.Of(facts);

        if (findings.First(FindingKinds.ProbeBudget) is { } budget)
            steps.Add(budget.Text);

        var explained = false;
        if (findings.First(FindingKinds.ProbeHttpStatus) is { } http)
        {
            explained = true;
            var status = int.TryParse(http.Get("status"), out var s) ? s : 0;
            var path = http.Get("path") ?? probe.Path ?? "/";
            if (status is 404 or 410)
            {
                var alternative = others.FirstOrDefault(o => o.Get("mechanism") == "http" && o.Get("path") is { } p && p != path
                    && o.Get("port") == port && !(o.Get("failing") == "http-status" && o.Get("status") is "404" or "410"));
                var alsoMissing = others.Where(o => o.Get("failing") == "http-status" && o.Get("status") is "404" or "410").ToList();
                if (alternative is not null)
                {
                    var other = alternative.Get("path")!;
                    var works = alternative.Get("failing") is null ? ", and the events show no failure of it" : "";
                    // Every probe on the same missing path moves with it: a liveness probe behind a failing startup probe has not run yet.
                    var samePath = others.Where(o => o.Get("mechanism") == "http" && o.Get("path") == path && o.Get("port") == port)
                        .Select(o => o.Get("probe")!).ToList();
                    var moved = new[] { kind }.Concat(samePath).ToList();
                    var which = moved.Count == 1 ? $"the {kind} probe" : $"the {string.Join(" and ", moved)} probes";
                    steps.Add($"The {kind} probe gets HTTP {status} from {path} on port {port}: the app has no such route. The {alternative.Get("probe")} probe uses {other} on the same port{works}: "
                        + $"point {which} at {other}, or add {path} to the app");
                    change = Patch(facts, workload, $"Point {which} of {facts.ContainerName} at {other} (the path its {alternative.Get("probe")} probe uses) instead of {path}",
                        moved.Select(m => ("replace", $"/{m}Probe/httpGet/path", (object)other)).ToArray());
                }
                else if (alsoMissing.Count > 0)
                {
                    var samePath = alsoMissing.All(o => o.Get("path") == path);
                    var names = string.Join(" and ", alsoMissing.Select(o => $"the {o.Get("probe")} probe"));
                    steps.Add(samePath
                        ? $"The {kind} probe gets HTTP {status} from {path} on port {port}, and {names}, on the same path, gets {status} too: the app does not serve {path}. "
                            + $"Set the probes' httpGet.path to the route the app serves for health checks (or the port that serves it), or add {path} to the app"
                        : $"The {kind} probe gets HTTP {status} from {path} on port {port}, and {string.Join(" and ", alsoMissing.Select(o => $"the {o.Get("probe")} probe's {o.Get("path")}"))} gets {status} too: the app serves none of these paths. "
                            + $"Set the probes' httpGet.path to the route the app serves for health checks, or add {path} to the app");
                }
                else
                {
                    steps.Add($"The {kind} probe gets HTTP {status} from {path} on port {port}: the app has no such route. Set {probe.Field}.httpGet.path to the route the app serves for health checks, or add {path} to the app");
                }
            }
            else if (status is 401 or 403)
            {
                steps.Add($"The {kind} probe gets HTTP {status} from {path} on port {port}: the endpoint wants authentication, which the kubelet does not send. Exempt {path} from authentication, or probe a path that needs none");
            }
            else if (status >= 500 && slow is not null)
            {
                steps.Add($"The {kind} endpoint {path} on port {port} answered HTTP {status} until the kill: the app was up but had not finished starting");
            }
            else if (status >= 500)
            {
                steps.Add($"The {kind} endpoint {path} on port {port} answers HTTP {status}: the app is up and reports itself unhealthy. Read what the check reports: kubectl exec {pod} -n {ns} -c {c} -- wget -qO- {Shell.Quote($"http://localhost:{port}{path}")}");
                var same = others.FirstOrDefault(o => o.Get("path") == path && o.Get("port") == port);
                steps.Add($"Keep checks of databases and other dependencies out of the {kind} probe: a dependency outage should fail readiness, not restart the app"
                    + (same is null ? "" : $". The {same.Get("probe")} probe uses the same {path}: give the {kind} probe a path that checks only the process itself (many frameworks have one, e.g. /livez or /actuator/health/liveness)"));
            }
            else
            {
                steps.Add($"The {kind} probe gets HTTP {status} from {path} on port {port}: the kubelet counts only 200–399 as healthy");
            }
        }
        else if (findings.First(FindingKinds.ProbeRefused) is { } refused)
        {
            explained = true;
            var ports = listening.Select(l => l.Get("port")).OfType<string>().ToList();
            var local = listening.FirstOrDefault(l => l.Get("port") == port && l.Get("host") is "127.0.0.1" or "localhost" or "::1" or "[::1]");
            if (ports.Count > 0 && port is not null && !ports.Contains(port))
            {
                var line = listening.First();
                steps.Add($"The app listens on port {string.Join(", ", ports)} (log: {Text.Quote(line.Get("line") ?? "")}), but the {kind} probe connects to port {port}: point the probe at port {ports[0]}");
                if (ports.Count == 1 && int.TryParse(probe.PortAsWritten, out _) && int.TryParse(ports[0], out var number))
                    change = Patch(facts, workload, $"Point the {kind} probe of {facts.ContainerName} at port {ports[0]}, where the app listens, instead of {port}",
                        ("replace", $"/{probe.Field}/{(probe.Mechanism == "tcp" ? "tcpSocket" : "httpGet")}/port", number));
            }
            else if (local is not null)
            {
                steps.Add($"The app listens on {local.Get("host")}:{port} only (log: {Text.Quote(local.Get("line") ?? "")}), but the kubelet connects to the pod's IP: make it listen on 0.0.0.0");
            }
            else if (PortMismatch(probe, container) is { } mismatch)
            {
                steps.Add(mismatch);
            }
            else if (slow is null)
            {
                steps.Add(facts.RunTime is { } ran && ran.TotalSeconds > 2 * probe.Budget + 30
                    ? $"Nothing listened on port {port} when the probe ran, although the container had been up {StatusText.Duration(ran)}: its listener stopped or crashed; read what the app logged before the restart"
                    : $"Nothing listened on port {port} while the probe ran: check the port the app is configured to listen on against the probe's port {port}");
            }
        }
        else if (findings.First(FindingKinds.ProbeTimeout) is { } timeout)
        {
            explained = true;
            var t = probe.Timeout;
            var what = probe.Mechanism == "exec" ? $"the command {Text.Quote(probe.Command ?? "")}" : $"the check on {probe.Target(container)}";
            if (t <= 2)
            {
                var raised = Math.Max(5, t * 3);
                steps.Add($"The {kind} probe timed out at its timeoutSeconds of {t}: {what} took longer than {t}s to answer. Raise {probe.Field}.timeoutSeconds to {raised}, "
                    + (probe.Mechanism == "exec" ? "and keep the command cheap" : "and keep the endpoint cheap (no database or downstream calls in a liveness check)"));
                change = Patch(facts, workload, $"Raise timeoutSeconds of the {kind} probe of {facts.ContainerName} from {t} to {raised}",
                    ("add", $"/{probe.Field}/timeoutSeconds", raised));
            }
            else
            {
                steps.Add($"{Capitalized(what)} did not answer within timeoutSeconds {t}, which is already generous: the check itself waits on something slow (a database call, a lock, a saturated worker pool). "
                    + $"Make the {kind} check answer from the process alone, without calling dependencies");
                if (LastWarning(facts) is { } warning)
                    steps.Add($"The log's last warning before the restart: {Text.Quote(warning)}");
            }
        }
        else if ((findings.First(FindingKinds.ProbeExecFailed) ?? findings.First(FindingKinds.ProbeError)) is { } failed)
        {
            explained = true;
            var output = failed.Get("output") ?? failed.Get("error") ?? "";
            if (probe.Mechanism == "exec" && NotFound().IsMatch(output))
                steps.Add($"The {kind} probe's command {Text.Quote(probe.Command ?? "")} cannot run: {Text.Quote(output)}. Use a command that exists in image {facts.Spec?.Image}, or an httpGet/tcpSocket probe");
            else if (output.Contains("HTTP response to HTTPS client", StringComparison.OrdinalIgnoreCase))
                steps.Add($"The {kind} probe speaks HTTPS to a plain-HTTP port {port}: set {probe.Field}.httpGet.scheme to HTTP");
            else if (output.Contains("tls:", StringComparison.OrdinalIgnoreCase) || output.Contains("malformed HTTP response", StringComparison.OrdinalIgnoreCase))
                steps.Add($"The {kind} probe speaks plain HTTP to a TLS port {port}: set {probe.Field}.httpGet.scheme to HTTPS");
            else
                steps.Add($"The {kind} probe fails with: {Text.Quote(output)}; that output says what the check found wrong");
        }

        if (slow is not null)
        {
            explained = true;
            var (step, startupChange) = SlowStart(facts, workload, kind, probe, slow);
            steps.Add(step);
            change ??= startupChange;
        }

        if (!explained)
        {
            if (facts.RunTime is { } ranFor && ranFor.TotalSeconds > 2 * probe.Budget + 30)
                steps.Add("It ran well past the probe's budget, so it did start: the app later stopped answering (overload, a dependency the health check calls, a stuck worker); look at what it logged just before the restart");
            else if (kind == "liveness" && facts.Spec?.StartupProbe is null)
                steps.Add($"If the app needs longer to start, add a startupProbe on the same endpoint with failureThreshold × periodSeconds above its startup time (e.g. failureThreshold {Math.Max(30, probe.FailureThreshold * 4)}, periodSeconds {probe.Period}) instead of stretching the liveness probe");
            if (PortMismatch(probe, container) is { } mismatch)
                steps.Add(mismatch);
        }

        var hints = others.Where(o => !steps.Any(st => st.Contains($"The {o.Get("probe")} probe", StringComparison.Ordinal))).Select(o => o.Text).ToList();
        if (hints.Count > 0)
            steps.Add("Other probes of the container: " + string.Join("; ", hints));

        if (probe.Mechanism == "http" && !steps.Any(st => st.Contains("wget", StringComparison.Ordinal)))
            steps.Add($"Check the endpoint from inside the pod: kubectl exec {pod} -n {ns} -c {c} -- wget -qO- {Shell.Quote($"http://localhost:{port}{probe.Path}")}");
        else if (probe.Probe.Exec?.Command is { Count: > 0 } command)
            steps.Add($"Run the probe by hand and read its output and exit code: kubectl exec {pod} -n {ns} -c {c} -- {string.Join(' ', command.Select(Shell.Quote))}");
        return new Advice(steps, change);
    }

    /// <summary>A startupProbe (or a longer one) whose failureThreshold × periodSeconds clears the observed start-up time with room.</summary>
    static (string Step, ProposedChange? Change) SlowStart(CrashFacts facts, WorkloadRef? workload, string kind, ProbeSpec probe, Finding slow)
    {
        var seconds = double.TryParse(slow.Get("startupSeconds"), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : probe.Budget;
        var lowerBound = slow.Get("lowerBound") == "true";
        var target = lowerBound ? Math.Max(2 * seconds, seconds + 60) : Math.Max(1.5 * seconds, seconds + 30);
        var observed = lowerBound ? $"was still starting when it was killed after {Num(seconds)}s" : $"took {Num(seconds)}s to start";
        if (kind == "startup")
        {
            var period = probe.Period;
            var failures = (int)Math.Ceiling(Math.Max(0, target - probe.InitialDelay) / period);
            var step = $"The startup probe gives up after {probe.Budget}s, but the app {observed}: raise startupProbe.failureThreshold from {probe.FailureThreshold} to {failures} "
                + $"(initialDelaySeconds {probe.InitialDelay} + {failures} × periodSeconds {period} = {probe.InitialDelay + failures * period}s)";
            return (step, Patch(facts, workload, $"Give the startup probe of {facts.ContainerName} {probe.InitialDelay + failures * period}s: failureThreshold {failures}", ("add", "/startupProbe/failureThreshold", failures)));
        }
        var p = Math.Min(probe.Period, 10);
        var f = (int)Math.Ceiling(target / p);
        var target2 = probe.Target(facts.Spec);
        var text = $"The app {observed}, longer than the liveness probe's {probe.Budget}s: add a startupProbe on the same {target2} with periodSeconds {p} and failureThreshold {f} "
            + $"({f} × {p} = {f * p}s, above the {Num(seconds)}s{(lowerBound ? " it had already spent" : " it needs")}), instead of stretching the liveness probe";
        var startup = new Dictionary<string, object> { ["periodSeconds"] = p, ["failureThreshold"] = f, ["timeoutSeconds"] = probe.Timeout };
        if (probe.Probe.HttpGet is { } h) startup["httpGet"] = HttpGet(h);
        else if (probe.Probe.TcpSocket is { } tcp) startup["tcpSocket"] = new Dictionary<string, object> { ["port"] = PortValue(tcp.Port) };
        else if (probe.Probe.Exec?.Command is { } cmd) startup["exec"] = new Dictionary<string, object> { ["command"] = cmd.ToList() };
        else if (probe.Probe.Grpc is { } g) startup["grpc"] = new Dictionary<string, object> { ["port"] = g.Port };
        return (text, Patch(facts, workload, $"Add a startupProbe to {facts.ContainerName} on {target2}: {f} × {p}s = {f * p}s to start", ("add", "/startupProbe", startup)));
    }

    static Dictionary<string, object> HttpGet(V1HTTPGetAction h)
    {
        var get = new Dictionary<string, object> { ["path"] = h.Path ?? "/", ["port"] = PortValue(h.Port) };
        if (h.Scheme is { } scheme) get["scheme"] = scheme;
        if (h.HttpHeaders is { Count: > 0 } headers) get["httpHeaders"] = headers.Select(x => new Dictionary<string, object> { ["name"] = x.Name, ["value"] = x.Value }).ToList();
        return get;
    }

    static object PortValue(IntOrString? port) =>
        port?.Value is { } v && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : port?.Value ?? "";

    static ProposedChange? Patch(CrashFacts facts, WorkloadRef? workload, string text, params (string Op, string Path, object Value)[] ops) =>
        workload?.JsonPatch(facts, ops) is { } command ? new ProposedChange(text, command) : null;

    static string? PortMismatch(ProbeSpec probe, V1Container? spec)
    {
        var port = probe.PortAsWritten;
        var ports = spec?.Ports ?? [];
        if (port is null || ports.Count == 0) return null;
        var known = ports.Any(p => p.ContainerPort.ToString(CultureInfo.InvariantCulture) == port || p.Name == port);
        return known ? null : $"The probe targets port {port}, but the container declares ports {string.Join(", ", ports.Select(p => p.ContainerPort))}: point the probe at the port the app listens on";
    }

    /// <summary>The last warning or error the app logged (outside the shutdown it was asked for).</summary>
    static string? LastWarning(CrashFacts facts)
    {
        var lines = facts.Log.Lines;
        // The first lines are start-up chatter, hours before the restart.
        for (var i = lines.Count - 1; i >= 5 && i >= lines.Count - 40; i--)
            if (!lines[i].IsFrame && Warning().IsMatch(lines[i].Text) && !Shutdown().IsMatch(lines[i].Text))
                return Text.Clip(lines[i].Text.Trim(), 200);
        return null;
    }

    static string Capitalized(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    static string Num(double s) => s.ToString("0.#", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"not found|no such file|permission denied|exec format error", RegexOptions.IgnoreCase)]
    private static partial Regex NotFound();

    [GeneratedRegex(@"\b(?:warn(?:ing)?|error|slow|timed? ?out)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Warning();

    [GeneratedRegex(@"SIGTERM|shutdown|shutting down|stopping", RegexOptions.IgnoreCase)]
    private static partial Regex Shutdown();
}
