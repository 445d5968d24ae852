namespace Webhook.Tests.Support;

/// <summary>The real Prometheus binary (Debian's prometheus) on loopback, with a config and rule files a test writes.</summary>
public static class PrometheusProcess
{
    public static async Task<LoopbackTool> StartAsync(string configYaml, IReadOnlyDictionary<string, string> files)
    {
        var binary = LoopbackTool.Find("tests/run.sh installs Debian's prometheus.", "/usr/bin/prometheus", "/usr/local/bin/prometheus");
        var directory = LoopbackTool.NewDirectory("prom");
        foreach (var (name, content) in files) await File.WriteAllTextAsync(Path.Combine(directory, name), content);
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, configYaml);
        return await LoopbackTool.StartAsync(binary, directory, port =>
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}"],
            TimeSpan.FromSeconds(60));
    }
}
