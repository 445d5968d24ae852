using Microsoft.Extensions.Configuration.Json;

namespace Webhook.Operations;

public static class AppDirectoryDefaults
{
    /// <summary>
    /// The shipped appsettings.json sits next to the program, while the content root is the working directory
    /// (so ./data lands where the service is started). Load it as the lowest-priority source.
    /// </summary>
    public static IConfigurationBuilder AddShippedDefaults(this IConfigurationManager configuration)
    {
        var source = new JsonConfigurationSource
        {
            Path = Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            Optional = true,
            ReloadOnChange = false,
        };
        source.ResolveFileProvider();
        configuration.Sources.Insert(0, source);
        return configuration;
    }
}
