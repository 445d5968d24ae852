using Webhook.Operations;

namespace Webhook.Alerts;

public static class AlertsServiceExtensions
{
    public static IServiceCollection AddAlertIntake(this IServiceCollection services)
    {
        services.AddValidatedOptions<AlertsOptions>(AlertsOptions.Section, (o, s) => s.Bind(o));
        services.AddValidatedOptions<AuthOptions>(AuthOptions.Section, (o, s) => s.Bind(o));
        services.AddSingleton<AlertsMetrics>();
        services.AddSingleton<AlertmanagerAuth>();
        services.AddSingleton<IntakeHandler>();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AlertsJsonContext.Default));
        return services;
    }
}
