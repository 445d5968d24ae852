using System.Text.Json.Serialization;

namespace Webhook.Operations;

public static class OperationsServiceExtensions
{
    /// <summary>The start-up checks, the start's garbage given back once started, and the JSON of the operations endpoints (source-generated: Native AOT has no reflection-based serializer).</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddHostedService<StartupChecks>();
        services.AddHostedService<StartupGarbage>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, OperationsJsonContext.Default));
        return services;
    }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(RequeueAnswer))]
[JsonSerializable(typeof(string))]
sealed partial class OperationsJsonContext : JsonSerializerContext;
