using Webhook.Operations;

namespace Webhook.Inbox;

public static class InboxServiceExtensions
{
    public static IServiceCollection AddInbox(this IServiceCollection services)
    {
        services.AddValidatedOptions<InboxOptions>(InboxOptions.Section);
        services.AddSingleton<SqliteInbox>();
        services.AddSingleton<InboxDoorbell>();
        services.AddHostedService<InboxStartup>();
        return services;
    }
}
