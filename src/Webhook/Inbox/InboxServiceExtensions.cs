using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Webhook.Notify.Delivery;
using Webhook.Notify.Slack;
using Webhook.Notify.Storm;
using Webhook.Operations;

namespace Webhook.Inbox;

public static class InboxServiceExtensions
{
    public static IServiceCollection AddInbox(this IServiceCollection services)
    {
        services.AddValidatedOptions<InboxOptions>(InboxOptions.Section, (o, s) => s.Bind(o));
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
        // With PostgreSQL the notifiers' state (Slack incidents, held storm pods) is in the same database, shared by
        // the replicas; registered here, before the notifiers' SQLite defaults (TryAdd), so Notify never names the inbox.
        services.AddSingleton<Webhook.Storage.IPostgresDatabase>(sp => sp.GetRequiredService<PostgresInbox>());
        AddByProvider<ISlackIncidentStore, SqliteSlackIncidentStore, PostgresSlackIncidentStore>(services);
        AddByProvider<IStormStore, SqliteStormStore, PostgresStormStore>(services);
        // The delivery pace and circuit breakers of the destinations, shared by the replicas too.
        AddByProvider<IDestinationLimits, LocalDestinationLimits, PostgresDestinationLimits>(services);
        services.AddSingleton<InboxDoorbell>();
        services.AddHostedService<InboxStartup>();
        return services;
    }

    /// <summary><typeparamref name="TService"/> as Inbox:Provider picks it: one process's own, or the one in PostgreSQL.</summary>
    static void AddByProvider<TService,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TOwn,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TPostgres>(IServiceCollection services)
        where TService : class where TOwn : class, TService where TPostgres : class, TService
    {
        services.AddSingleton<TOwn>();
        services.AddSingleton<TPostgres>();
        services.AddSingleton<TService>(sp => IsPostgres(sp) ? sp.GetRequiredService<TPostgres>() : sp.GetRequiredService<TOwn>());
    }

    static bool IsPostgres(IServiceProvider sp) => sp.GetRequiredService<IOptions<InboxOptions>>().Value.Provider == InboxProvider.Postgres;
}
