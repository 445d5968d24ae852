namespace Webhook.Tests.Notify;

/// <summary>Waits on a condition with a deadline; a failed wait names what was awaited.</summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, string what, TimeSpan? within = null) =>
        await True(condition, () => what, within);

    /// <summary><paramref name="what"/> is evaluated on failure, so it can describe the state seen.</summary>
    public static async Task True(Func<bool> condition, Func<string> what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what()}");
            await Task.Delay(20);
        }
    }
}
