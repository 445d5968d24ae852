using Microsoft.Extensions.Options;

namespace Webhook.Diagnosis;

public static class DiagnosisServiceExtensions
{
    /// <summary>Registers the classifier with its thresholds bound from the "Classifier" section.</summary>
    public static IServiceCollection AddCrashClassifier(this IServiceCollection services)
    {
        services.AddOptions<ClassifierOptions>().BindConfiguration(ClassifierOptions.Section);
        services.AddSingleton<ICrashClassifier>(sp => new CrashClassifier(sp.GetRequiredService<IOptions<ClassifierOptions>>().Value));
        return services;
    }
}
