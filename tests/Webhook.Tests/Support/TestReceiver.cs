using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Webhook.Tests.Support;

/// <summary>A real HTTP server on 127.0.0.1 that records what the service posts and answers as told.</summary>
public sealed class TestReceiver : IAsyncDisposable
{
    readonly WebApplication _app;
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    /// <summary>Decides the status for the n-th request (0-based); 200 by default.</summary>
    public Func<int, int> StatusFor { get; set; } = _ => 200;
    /// <summary>How long the n-th request takes to answer (a slow destination); none by default.</summary>
    public Func<int, TimeSpan> DelayFor { get; set; } = _ => TimeSpan.Zero;
    /// <summary>The n-th request is answered when this task completes (a destination held until the test says so); none by default.</summary>
    public Func<int, Task> HoldFor { get; set; } = _ => Task.CompletedTask;
    int _count;

    TestReceiver(WebApplication app) => _app = app;

    public string Url(string path = "/hook") => new Uri(_app.BaseUrl(), path.TrimStart('/')).AbsoluteUri;

    public static async Task<TestReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new TestReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var n = Interlocked.Increment(ref receiver._count) - 1;
            var status = receiver.StatusFor(n);
            receiver.Requests.Enqueue(new ReceivedRequest(context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, status));
            // Recorded first, so a test sees the request arrive while its answer is still coming.
            if (receiver.DelayFor(n) is { Ticks: > 0 } delay) await Task.Delay(delay);
            await receiver.HoldFor(n);
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        return receiver;
    }

    public IReadOnlyList<ReceivedRequest> Accepted => Requests.Where(r => r.Status is >= 200 and < 300).ToList();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status);
