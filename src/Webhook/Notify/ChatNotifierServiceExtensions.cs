using Webhook.Operations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;
using Webhook.Notify.Http;
using Webhook.Notify.Safety;
using Webhook.Notify.Slack;
using Webhook.Notify.Storm;

namespace Webhook.Notify;

public static class ChatNotifierServiceExtensions
{
    /// <summary>Slack and Teams destinations, the secret redactor, delivery resilience and storm digests.</summary>
    public static IServiceCollection AddChatNotifiers(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new SecretRedactor(configuration.GetSection("Redaction:ExtraPatterns").Get<string[]>()));
        services.TryAddSingleton<ContentBuilder>();
        services.AddDeliveryResilience();
        services.AddValidatedOptions<StormOptions>(StormOptions.Section, (o, s) => s.Bind(o));
        // The notifiers' state, in the inbox's storage (its SQLite file and write gate); tables made on first use, so
        // the Slack ones only when a route has a bot token. TryAdd: stores of another engine, registered with the
        // inbox's, come first.
        services.AddOptions<SlackStoreOptions>().BindConfiguration(SlackStoreOptions.Section);
        services.TryAddSingleton<ISlackIncidentStore, SqliteSlackIncidentStore>();
        services.TryAddSingleton<IStormStore, SqliteStormStore>();
        services.TryAddSingleton<StormGates>();
        services.AddHostedService(sp => sp.GetRequiredService<StormGates>());
        services.AddSingleton<IDestinationFactory, ChatDestinationFactory>();
        // No resilience handler (a handler that retries a POST posts twice) and no HttpClient logging
        // (it would write the URL, which for chats is the credential). The pacing handler only takes a token per
        // post or fails at once; it never retries and never waits.
        services.AddHttpClient(ChatHttp.NotifyClient, c => c.Timeout = TimeSpan.FromSeconds(15)).RemoveAllLoggers()
            .AddHttpMessageHandler(sp => new PacingHandler(sp.GetRequiredService<DestinationPacer>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>The per-destination guards of the delivery stage and the chats' posting pace.</summary>
    public static IServiceCollection AddDeliveryResilience(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<DeliveryResilienceOptions>(DeliveryResilienceOptions.Section, (o, s) => s.Bind(o));
        // In memory unless the inbox's engine shares them between replicas (registered with the inbox, first).
        services.TryAddSingleton<IDestinationLimits, LocalDestinationLimits>();
        services.TryAddSingleton(sp => new DeliveryResilience(
            sp.GetRequiredService<IOptions<DeliveryResilienceOptions>>(), sp.GetRequiredService<IDestinationLimits>()));
        services.TryAddSingleton(sp => new DestinationPacer(
            sp.GetRequiredService<IOptions<DeliveryResilienceOptions>>(), sp.GetRequiredService<IDestinationLimits>()));
        services.TryAddSingleton<StormGates>();
        return services;
    }
}
