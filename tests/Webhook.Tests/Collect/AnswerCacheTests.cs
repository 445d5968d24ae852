using Webhook.Collect;

namespace Webhook.Tests.Collect;

/// <summary>The storm cache: one call per key per window, shared while in flight, failures never kept.</summary>
public sealed class AnswerCacheTests
{
    sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    static readonly Answer One = new([KeyValuePair.Create("Service.shop.db", "{}")]);

    [Fact]
    public async Task AskersWithinTheWindowShareOneCallAndTheNextWindowCallsAgain()
    {
        var clock = new ManualClock();
        var cache = new AnswerCache(clock, TimeSpan.FromSeconds(30));
        var calls = 0;
        var gate = new TaskCompletionSource<Answer>();
        Task<Answer> Fetch() { calls++; return gate.Task; }

        var (first, fetched) = cache.GetOrFetch("Service.shop.db", Fetch);
        var (second, again) = cache.GetOrFetch("Service.shop.db", Fetch);
        Assert.True(fetched);
        Assert.False(again);
        gate.SetResult(One);
        Assert.Same(await first, await second);

        clock.Now += TimeSpan.FromSeconds(29);
        Assert.False(cache.GetOrFetch("Service.shop.db", () => Task.FromResult(One)).Fetched);
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.True(cache.GetOrFetch("Service.shop.db", () => Task.FromResult(One)).Fetched);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task AFailedCallIsNotKept()
    {
        var cache = new AnswerCache(new ManualClock(), TimeSpan.FromSeconds(30));

        var (failed, _) = cache.GetOrFetch("ConfigMap.shop.app-env", () => Task.FromException<Answer>(new HttpRequestException("refused")));
        await Assert.ThrowsAsync<HttpRequestException>(() => failed);

        Assert.False(cache.Has("ConfigMap.shop.app-env"));
        Assert.True(cache.GetOrFetch("ConfigMap.shop.app-env", () => Task.FromResult(One)).Fetched);
    }
}
