using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Inbox;

namespace Webhook.Tests.EndToEnd;

/// <summary>
/// The inbox volume fills up: the intake answers 503 (Alertmanager retries), keeps everything it acknowledged, and
/// takes alerts again once there is space. On a 1 MB tmpfs this test mounts and unmounts itself (root only; CI and
/// the development machines run as root).
/// </summary>
public sealed class FullDiskTests
{
    [SkippableFact]
    public async Task AFullVolumeAnswers503LosesNothingAcknowledgedAndRecoversWhenSpaceReturns()
    {
        // Under tests/run.sh (CI) it must run; elsewhere a non-root developer skips it.
        if (Environment.GetEnvironmentVariable("WEBHOOK_TESTS_REQUIRE_TOOLS") != "1") Skip.IfNot(geteuid() == 0, "mounting a tmpfs needs root");
        using var temp = TestTemp.NewFolder("full-disk");
        var volume = temp.File("volume");
        Directory.CreateDirectory(volume);
        Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", volume);
        try
        {
            var inboxPath = Path.Combine(volume, "inbox.db");
            // Room to give back later: the volume is full with this file in it, and has space again without it.
            var filler = Path.Combine(volume, "filler");
            await File.WriteAllBytesAsync(filler, new byte[256 * 1024]);
            var acknowledged = new List<string>();
            var settings = new Dictionary<string, string?> { ["Inbox:Path"] = inboxPath };

            await using (var app = new WebhookApp(settings, pipeline: false))
            {
                var client = app.CreateAuthorizedClient();
                async Task<HttpStatusCode> Post(string fingerprint)
                {
                    var alert = Payloads.Alert(fingerprint, pod: $"api-{fingerprint}-{new string('x', 2000)}");
                    var response = await client.PostAsync("/alerts", new StringContent(Payloads.Group(alert).ToJsonString(), Encoding.UTF8, "application/json"));
                    if (response.StatusCode == HttpStatusCode.Accepted) acknowledged.Add(fingerprint);
                    return response.StatusCode;
                }

                // Each alert takes a few KB; 1 MB runs out within a few hundred (the bound only stops a broken test).
                var full = false;
                for (var i = 0; i < 2000 && !full; i++)
                {
                    var status = await Post($"before-{i}");
                    Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"alert {i}: {status}");
                    full = status == HttpStatusCode.ServiceUnavailable;
                }
                Assert.True(full, "the volume never filled up");
                Assert.NotEmpty(acknowledged);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, await Post("while-full"));

                File.Delete(filler);
                await Eventually.TrueAsync(async () => await Post($"after-{acknowledged.Count}") == HttpStatusCode.Accepted,
                    TimeSpan.FromSeconds(30), "the intake to accept alerts again once there is space");
                Assert.Equal(acknowledged.Count, (await app.Services.GetRequiredService<IInboxStore>().CountsAsync(default)).Pending);
            }

            // Everything acknowledged is on the volume, also for the next process.
            await using (var reopened = new WebhookApp(settings, pipeline: false))
            {
                _ = reopened.CreateClient();
                Assert.Equal(acknowledged.Count, (await reopened.Services.GetRequiredService<IInboxStore>().CountsAsync(default)).Pending);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", volume);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern uint geteuid();

    static void Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} {string.Join(' ', args)}: {error}");
    }
}
