using Microsoft.Extensions.Options;
using Webhook.Operations;

namespace Webhook.Inbox;

public static class InboxServiceExtensions
{
    public static IServiceCollection AddInbox(this IServiceCollection services)
    {
        services.AddValidatedOptions<InboxOptions>(InboxOptions.Section);
        services.AddSingleton<SqliteInbox>();
        services.AddSingleton<PostgresInbox>();
        // The pipeline and the endpoints see the store's interface: Inbox:Provider picks the engine behind it.
        services.AddSingleton<IInboxStore>(sp => sp.GetRequiredService<IOptions<InboxOptions>>().Value.Provider switch
        {
            InboxProvider.Postgres => sp.GetRequiredService<PostgresInbox>(),
            _ => sp.GetRequiredService<SqliteInbox>(),
        });
        // The inbox's file and write gate, for the other parts that keep state in it (Slack incidents, storm digests).
        services.AddSingleton<Webhook.Storage.ISqliteDatabase>(sp => sp.GetRequiredService<SqliteInbox>().Database);
        services.AddSingleton<InboxDoorbell>();
        services.AddHostedService<InboxStartup>();
        return services;
    }
}
