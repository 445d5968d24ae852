using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using YamlDotNet.RepresentationModel;

namespace Webhook.Tests.Deploy;

/// <summary>
/// A manifest read into the client's models. KubernetesClient.Aot (the service's client, for Native AOT) keeps its
/// YAML reader internal, so the YAML becomes JSON here and the client's JSON reader does the rest. A plain scalar
/// is a number or a boolean when it reads as one, as in YAML's core schema; a quoted one stays a string.
/// </summary>
static class ManifestYaml
{
    public static T Deserialize<T>(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return KubernetesJson.Deserialize<T>(ToJson(stream.Documents[0].RootNode)!.ToJsonString());
    }

    static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.Plain } quoted => JsonValue.Create(quoted.Value),
        YamlScalarNode { Value: null or "null" or "~" or "" } => null,
        YamlScalarNode { Value: "true" or "false" } flag => JsonValue.Create(flag.Value == "true"),
        YamlScalarNode plain when long.TryParse(plain.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        YamlScalarNode plain => JsonValue.Create(plain.Value),
        _ => throw new NotSupportedException(node.NodeType.ToString()),
    };
}
