using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;
using Webhook.Notify.Safety;
using Webhook.Notify.Slack;
using Webhook.Storage;

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

    /// <summary>The Slack incident store as the service opens it: in the inbox's file, through its write gate.</summary>
    public static SqliteSlackIncidentStore SlackStore(string inboxPath, SlackStoreOptions? options = null, TimeProvider? time = null) =>
        new(Database(inboxPath), Options.Create(options ?? new SlackStoreOptions()), time ?? TimeProvider.System);

    /// <summary>An inbox file's connections and write gate, with the inbox's default settings.</summary>
    public static SqliteDatabase Database(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var defaults = new Webhook.Inbox.InboxOptions();
        return new SqliteDatabase(path, defaults.BusyTimeout, defaults.MaxWalBytes);
    }

    public static string TempDb() => Path.Combine(Path.GetTempPath(), "notify-tests", Guid.NewGuid().ToString("N"), "inbox.db");
}
