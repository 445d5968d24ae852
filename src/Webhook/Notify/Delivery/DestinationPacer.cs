using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Webhook.Notify.Delivery;

/// <summary>
/// The chats' posting limits, per chat destination (a Slack channel, a Slack incoming webhook, a Teams workflow):
/// a token bucket at the documented pace, paused for the Retry-After of a 429. It never waits: a post that has no
/// token now fails with <see cref="DestinationPacedException"/>, which the delivery stage turns into a retryable
/// "not sent" outcome carrying the wait, so the inbox reschedules the item and the worker moves on.
/// </summary>
public sealed class DestinationPacer(IOptions<DeliveryResilienceOptions> options, TimeProvider time)
{
    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Key, string Kind)> _urls = new(StringComparer.Ordinal);

    /// <summary>Marks a request as a post to one chat destination (e.g. "slack:channel:C123"); takes precedence over the URL.</summary>
    public static readonly HttpRequestOptionsKey<(string Key, string Kind)> Destination = new("webhook.pacing.destination");

    /// <summary>A webhook URL is its own destination. The key is a hash: the URL is a credential.</summary>
    public void RegisterUrl(string url, string kind) => _urls[url] = ($"{kind}:url:{Hash(url)}", kind);

    public (string Key, string Kind)? DestinationOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(Destination, out var marked) ? marked
        : request.RequestUri is { } uri && _urls.TryGetValue(uri.AbsoluteUri, out var registered) ? registered
        : null;

    /// <summary>Takes a token for one post, or says how long until the next one.</summary>
    public bool TryTake(string key, string kind, out TimeSpan wait)
    {
        var rate = _options.Rates.GetValueOrDefault(kind);
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(rate?.Burst ?? 1, time.GetUtcNow()));
        lock (bucket)
        {
            var now = time.GetUtcNow();
            if (now < bucket.PausedUntil)
            {
                wait = bucket.PausedUntil - now;
                return false;
            }
            if (rate is null)
            {
                wait = TimeSpan.Zero;
                return true;
            }
            bucket.Tokens = Math.Min(rate.Burst, bucket.Tokens + (now - bucket.Refilled).TotalSeconds * rate.PerSecond);
            bucket.Refilled = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                wait = TimeSpan.Zero;
                return true;
            }
            wait = TimeSpan.FromSeconds((1 - bucket.Tokens) / rate.PerSecond);
            return false;
        }
    }

    /// <summary>The chat answered 429: nothing more to it until its Retry-After has passed, and no burst after it.</summary>
    public void Pause(string key, TimeSpan wait)
    {
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(0, time.GetUtcNow()));
        lock (bucket)
        {
            var until = time.GetUtcNow() + wait;
            if (until > bucket.PausedUntil) bucket.PausedUntil = until;
            bucket.Tokens = 0;
            bucket.Refilled = until;
        }
    }

    private static string Hash(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..16].ToLowerInvariant();

    private sealed class Bucket(double tokens, DateTimeOffset refilled)
    {
        public double Tokens = tokens;
        public DateTimeOffset Refilled = refilled;
        public DateTimeOffset PausedUntil;
    }
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
        if (destination is { } d && !pacer.TryTake(d.Key, d.Kind, out var wait))
            throw new DestinationPacedException(wait);
        var response = await base.SendAsync(request, cancellationToken);
        if (destination is { } throttled && response.StatusCode == HttpStatusCode.TooManyRequests)
            pacer.Pause(throttled.Key, HttpOutcome.RetryAfter(response.Headers, time) ?? DefaultPause);
        return response;
    }
}
