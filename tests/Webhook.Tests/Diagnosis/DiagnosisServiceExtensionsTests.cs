using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

public class DiagnosisServiceExtensionsTests
{
    static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddCrashClassifier().BuildServiceProvider();
    }

    [Fact]
    public void TheClassifierIsRegisteredWithThresholdsFromTheClassifierSection()
    {
        using var provider = Provider(new() { ["Classifier:DecisiveLines"] = "7" });
        Assert.IsType<CrashClassifier>(provider.GetRequiredService<ICrashClassifier>());
        Assert.Equal(7, provider.GetRequiredService<IOptions<ClassifierOptions>>().Value.DecisiveLines);
    }

    [Fact]
    public void ANonsenseThresholdIsRejectedWithAClearMessage()
    {
        using var provider = Provider(new() { ["Classifier:MaxLogChars"] = "0" });
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ClassifierOptions>>().Value);
        Assert.Contains("Classifier:MaxLogChars", e.Message);
    }
}
