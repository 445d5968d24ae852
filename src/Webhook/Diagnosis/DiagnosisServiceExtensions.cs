using Microsoft.Extensions.Options;

namespace Webhook.Diagnosis;

public static class DiagnosisServiceExtensions
{
    /// <summary>Registers the classifier with its thresholds bound from the "Classifier" section, checked at start-up.</summary>
    public static IServiceCollection AddCrashClassifier(this IServiceCollection services)
    {
        services.AddOptions<ClassifierOptions>()
            .BindConfiguration(ClassifierOptions.Section)
            .Validate(o => o.MaxLogChars > 0 && o.MaxLogLines > 0 && o.DecisiveLines > 0,
                "Classifier:MaxLogChars, MaxLogLines and DecisiveLines must be positive")
            .Validate(o => o.MemoryIncreaseFactor > 1, "Classifier:MemoryIncreaseFactor must be above 1")
            .ValidateOnStart();
        services.AddSingleton<ICrashClassifier>(sp => new CrashClassifier(sp.GetRequiredService<IOptions<ClassifierOptions>>().Value));
        return services;
    }
}
