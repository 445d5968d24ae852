namespace Webhook.Alerts;

public static class AlertsServiceExtensions
{
    public static IServiceCollection AddAlertIntake(this IServiceCollection services)
    {
        services.AddOptions<AlertsOptions>().BindConfiguration(AlertsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AlertsMetrics>();
        services.AddSingleton<IntakeHandler>();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AlertsJsonContext.Default));
        return services;
    }
}
