using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;
using Webhook.Notify.Safety;
using Webhook.Notify.Storm;

namespace Webhook.Tests.Notify;

/// <summary>Real senders, real HTTP (no logging, no retrying handlers), fast resilience settings.</summary>
public static class NotifyTestKit
{
    public static readonly ContentBuilder Content = new(SecretRedactor.Default);

    public static IHttpClientFactory Http()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(Webhook.Notify.Http.ChatHttp.NotifyClient).RemoveAllLoggers();
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
    }

    public static DeliveryResilience Resilience(Action<DeliveryResilienceOptions>? configure = null)
    {
        var o = new DeliveryResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) };
        foreach (var rate in o.Rates.Values) { rate.PerSecond = 1000; rate.Burst = 1000; }
        configure?.Invoke(o);
        return new DeliveryResilience(Options.Create(o), TimeProvider.System);
    }

    public static StormGate Gate(INotifier chat, DeliveryResilience resilience, StormOptions options, StormStore? store = null) =>
        new(chat.Id, chat.Kind, (IDigestTarget)chat, Content, store ?? new StormStore(TempDb()), resilience, Options.Create(options),
            TimeProvider.System, NullLogger.Instance);

    public static string TempDb() => Path.Combine(Path.GetTempPath(), "notify-tests", Guid.NewGuid().ToString("N"), "inbox.db");
}
