namespace Webhook.Tests.Support;

/// <summary>The real Alertmanager binary (Debian's prometheus-alertmanager), on loopback, with a config a test writes.</summary>
public static class AlertmanagerProcess
{
    public static async Task<LoopbackTool> StartAsync(string configYaml)
    {
        var binary = LoopbackTool.Find("tests/run.sh installs Debian's prometheus-alertmanager.",
            "/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager", "/usr/bin/alertmanager");
        var directory = LoopbackTool.NewDirectory("am");
        var config = Path.Combine(directory, "alertmanager.yml");
        await File.WriteAllTextAsync(config, configYaml);
        return await LoopbackTool.StartAsync(binary, directory, port =>
        [
            $"--config.file={config}", $"--storage.path={directory}", $"--web.listen-address=127.0.0.1:{port}",
            // An empty cluster address turns off gossip: no HA peer, no port outside loopback.
            "--cluster.listen-address=", "--log.level=debug",
        ], TimeSpan.FromSeconds(30));
    }
}
