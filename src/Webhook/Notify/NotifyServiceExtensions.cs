using Webhook.Notify.Webhook;

namespace Webhook.Notify;

public static class NotifyServiceExtensions
{
    public static IServiceCollection AddDestinations(this IServiceCollection services)
    {
        services.AddSingleton<DestinationRegistry>();
        services.AddSingleton<IDestinationFactory, WebhookDestinationFactory>();
        // Retry, circuit breaker and rate limit per destination, used by the delivery stage.
        services.AddDeliveryResilience();
        // No resilience handler on purpose: a handler that retries a POST posts twice. The delivery stage retries.
        // No HttpClient logging either: it would write the destination URL, which is a credential for chats.
        services.AddHttpClient(WebhookNotifier.HttpClientName).RemoveAllLoggers();
        return services;
    }
}
