using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Webhook.Notify.Delivery;

/// <summary>
/// The chats' posting limits, per chat destination (a Slack channel, a Slack incoming webhook, a Teams workflow):
/// a slot per post at the documented pace, none for the Retry-After of a 429. The slots are kept by
/// <see cref="IDestinationLimits"/> (in memory, or shared by the replicas in PostgreSQL). It never waits: a post that
/// has no slot now fails with <see cref="DestinationPacedException"/>, which the delivery stage turns into a retryable
/// "not sent" outcome carrying the wait, so the inbox reschedules the item and the worker moves on.
/// </summary>
public sealed class DestinationPacer(IOptions<DeliveryResilienceOptions> options, IDestinationLimits limits)
{
    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, (string Key, string Kind)> _urls = new(StringComparer.Ordinal);

    /// <summary>One process's pacer, its slots in memory.</summary>
    public DestinationPacer(IOptions<DeliveryResilienceOptions> options, TimeProvider time) : this(options, new LocalDestinationLimits(options, time)) { }

    /// <summary>Marks a request as a post to one chat destination (e.g. "slack:channel:C123"); takes precedence over the URL.</summary>
    public static readonly HttpRequestOptionsKey<(string Key, string Kind)> Destination = new("webhook.pacing.destination");

    /// <summary>A webhook URL is its own destination. The key is a hash: the URL is a credential.</summary>
    public void RegisterUrl(string url, string kind) => _urls[url] = ($"{kind}:url:{Hash(url)}", kind);

    public (string Key, string Kind)? DestinationOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(Destination, out var marked) ? marked
        : request.RequestUri is { } uri && _urls.TryGetValue(uri.AbsoluteUri, out var registered) ? registered
        : null;

    /// <summary>Takes a slot for one post: <see cref="TimeSpan.Zero"/>, or how long until the next one.</summary>
    public ValueTask<TimeSpan> TakeAsync(string key, string kind, CancellationToken cancellationToken) =>
        limits.TakeSlotAsync(key, _options.Rates.GetValueOrDefault(kind), cancellationToken);

    /// <summary>The chat answered 429: nothing more to it until its Retry-After has passed, and no burst after it.</summary>
    public ValueTask PauseAsync(string key, string kind, TimeSpan wait, CancellationToken cancellationToken) =>
        limits.PauseAsync(key, _options.Rates.GetValueOrDefault(kind), wait, cancellationToken);

    private static string Hash(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..16].ToLowerInvariant();
}

/// <summary>Nothing was sent: the destination's pace allows the next post after <see cref="Wait"/>.</summary>
public sealed class DestinationPacedException(TimeSpan wait) : Exception("the destination's rate limit allows no post now")
{
    public TimeSpan Wait { get; } = wait;
}

/// <summary>
/// On the chat senders' HttpClient: every real POST to a chat takes a token of its destination first, and a 429
/// pauses that destination for its Retry-After. It never retries and never waits.
/// </summary>
public sealed class PacingHandler(DestinationPacer pacer, TimeProvider time) : DelegatingHandler
{
    private static readonly TimeSpan DefaultPause = TimeSpan.FromSeconds(1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var destination = request.Method == HttpMethod.Post ? pacer.DestinationOf(request) : null;
        if (destination is { } d && await pacer.TakeAsync(d.Key, d.Kind, cancellationToken) is var wait && wait > TimeSpan.Zero)
            throw new DestinationPacedException(wait);
        var response = await base.SendAsync(request, cancellationToken);
        if (destination is { } throttled && response.StatusCode == HttpStatusCode.TooManyRequests)
            await pacer.PauseAsync(throttled.Key, throttled.Kind, HttpOutcome.RetryAfter(response.Headers, time) ?? DefaultPause, CancellationToken.None);
        return response;
    }
}
