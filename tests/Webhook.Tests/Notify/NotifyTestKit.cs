using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;
using Webhook.Notify.Safety;

namespace Webhook.Tests.Notify;

/// <summary>Real senders, real HTTP (no logging, no retrying handlers).</summary>
public static class NotifyTestKit
{
    public static readonly ContentBuilder Content = new(SecretRedactor.Default);

    public static IHttpClientFactory Http()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(Webhook.Notify.Http.ChatHttp.NotifyClient).RemoveAllLoggers();
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
    }

    /// <summary>The chat client as the service builds it: the pacing handler and nothing else.</summary>
    public static IHttpClientFactory PacedHttp(DestinationPacer pacer)
    {
        var services = new ServiceCollection();
        services.AddHttpClient(Webhook.Notify.Http.ChatHttp.NotifyClient).RemoveAllLoggers()
            .AddHttpMessageHandler(() => new PacingHandler(pacer, TimeProvider.System));
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
    }

    public static DeliveryResilience Resilience(Action<DeliveryResilienceOptions>? configure = null)
    {
        var o = new DeliveryResilienceOptions();
        configure?.Invoke(o);
        return new DeliveryResilience(Options.Create(o), TimeProvider.System);
    }

    public static string TempDb() => Path.Combine(Path.GetTempPath(), "notify-tests", Guid.NewGuid().ToString("N"), "inbox.db");
}
