namespace Webhook.Inbox;

public static class InboxServiceExtensions
{
    public static IServiceCollection AddInbox(this IServiceCollection services)
    {
        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SqliteInbox>();
        services.AddSingleton<InboxDoorbell>();
        services.AddHostedService<InboxStartup>();
        return services;
    }
}
