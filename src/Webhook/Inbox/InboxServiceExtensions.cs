using Webhook.Operations;

namespace Webhook.Inbox;

public static class InboxServiceExtensions
{
    public static IServiceCollection AddInbox(this IServiceCollection services)
    {
        services.AddValidatedOptions<InboxOptions>(InboxOptions.Section, (o, s) => s.Bind(o));
        services.AddSingleton<SqliteInbox>();
        // The pipeline and the endpoints see the store's interface; a PostgreSQL store would be registered here instead.
        services.AddSingleton<IInboxStore>(sp => sp.GetRequiredService<SqliteInbox>());
        // The inbox's file and write gate, for the other parts that keep state in it (Slack incidents, storm digests).
        services.AddSingleton<Webhook.Storage.ISqliteDatabase>(sp => sp.GetRequiredService<SqliteInbox>().Database);
        services.AddSingleton<InboxDoorbell>();
        services.AddHostedService<InboxStartup>();
        return services;
    }
}
