using System.CommandLine;
using System.Text.Json;
using Webhook.Cli;

namespace Webhook.Tests.Diagnosis;

public class DiagnoseCommandTests
{
    static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand { DiagnoseCommand.Create() };
        var exit = root.Parse(["diagnose", .. args]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void JsonOutputFollowsTheTaxonomyContract()
    {
        using var bundle = TempBundle.From(new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi", Log = "INFO working" });
        var (exit, output, _) = Run(bundle.Path, "--output", "json");
        Assert.Equal(0, exit);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("oom-killed", root.GetProperty("cause").GetString());
        Assert.InRange(root.GetProperty("confidence").GetDouble(), 0, 1);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("summary").GetString()));
        Assert.Equal("pod.status", root.GetProperty("evidence")[0].GetProperty("source").GetString());
        Assert.True(root.GetProperty("remediation").GetArrayLength() > 0);
        Assert.Equal("app", root.GetProperty("container").GetString());
        Assert.Equal(137, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(7, root.GetProperty("restartCount").GetInt32());
        Assert.Equal("SIGKILL", root.GetProperty("signal").GetString());
    }

    [Fact]
    public void TextOutputLeadsWithTheCauseAndListsNextSteps()
    {
        using var bundle = TempBundle.From(new Crash { Log = "Error: connect ECONNREFUSED 10.0.0.9:6379" });
        var (exit, output, _) = Run(bundle.Path, "--container", "app");
        Assert.Equal(0, exit);
        Assert.StartsWith("dependency-unavailable", output);
        Assert.Contains("Next steps:", output);
        Assert.Contains("Confirm with:", output);
    }

    [Fact]
    public void AMissingBundleIsOneErrorLineAndANonZeroExit()
    {
        var (exit, output, error) = Run("/nonexistent/bundle");
        Assert.NotEqual(0, exit);
        Assert.Empty(output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("diagnose: bundle folder not found", error);
    }

    [Fact]
    public void AnUnknownContainerIsOneErrorLine()
    {
        using var bundle = TempBundle.From(new Crash());
        var (exit, _, error) = Run(bundle.Path, "-c", "nope");
        Assert.Equal(1, exit);
        Assert.Contains("unknown container 'nope'", error);
    }

    [Fact]
    public void AnUnknownOutputFormatIsOneErrorLine()
    {
        using var bundle = TempBundle.From(new Crash());
        var (exit, output, error) = Run(bundle.Path, "--output", "yaml");
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Equal("diagnose: --output must be text or json, not 'yaml'", error.Trim());
    }

    [Fact]
    public void JsonOutputKeepsQuotesInLogLinesReadable()
    {
        using var bundle = TempBundle.From(new Crash { Log = "KeyError: 'DATABASE_URL'" });
        var (_, output, _) = Run(bundle.Path, "-o", "json");
        Assert.Contains("KeyError: 'DATABASE_URL'", output);
    }

    [Fact]
    public void LiveModeWithNoClusterSaysSoInOneLine()
    {
        var (exit, _, error) = Run("--namespace", "shop", "api-7d9f", "--kubeconfig", "/nonexistent/kubeconfig");
        Assert.NotEqual(0, exit);
        Assert.StartsWith("diagnose: ", error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
