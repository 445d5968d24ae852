namespace Webhook.Tests.Storage;

/// <summary>The stores' clock in the contract suites: retention and ages are tested by moving time, not by waiting.</summary>
public sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.Parse("2026-11-24T10:00:00Z");
    public override DateTimeOffset GetUtcNow() => Now;
    public void Advance(TimeSpan by) => Now += by;
}
