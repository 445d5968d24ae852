using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Webhook.Operations;
using Webhook.Tests.Support;

namespace Webhook.Tests.Backbone;

/// <summary>
/// Configuration that cannot be mistyped: a misspelt key or a value outside an enumeration stops the service at
/// start with one line naming the key and the nearest valid name; a list key takes one comma-separated value.
/// </summary>
public sealed partial class ConfigurationKeyTests
{
    static Dictionary<string, string> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string> { ["Inbox:Path"] = Path.Combine(Path.GetTempPath(), "webhook-tests", Guid.NewGuid().ToString("n"), "inbox.db") };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    static void RemoveInbox(Dictionary<string, string> settings)
    {
        var folder = Path.GetDirectoryName(settings["Inbox:Path"])!;
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    [Theory]
    // A misspelt destination: the alerts would silently go to the console.
    [InlineData("Routes:default:Slak:WebhookUrl", "https://hooks.slack.invalid/x", "Routes:default:Slak: unknown key (did you mean Slack?)")]
    // A misspelt secret: the posts would silently go out unsigned.
    [InlineData("Routes:a:Webhook:Secrt", "s3cret", "Routes:a:Webhook:Secrt: unknown key (did you mean Secret?)")]
    [InlineData("Auth:BearerTokn", "t", "Auth:BearerTokn: unknown key (did you mean BearerToken?)")]
    [InlineData("Inbox:Pth", "x.db", "Inbox:Pth: unknown key (did you mean Path?)")]
    [InlineData("Pipeline:Wrkers", "2", "Pipeline:Wrkers: unknown key (did you mean Workers?)")]
    [InlineData("Kubernetes:Logs:TailLine", "5", "Kubernetes:Logs:TailLine: unknown key (did you mean TailLines?)")]
    [InlineData("Delivery:Rates:slack:PerSecnd", "2", "Delivery:Rates:slack:PerSecnd: unknown key (did you mean PerSecond?)")]
    [InlineData("Storm:Treshold", "3", "Storm:Treshold: unknown key (did you mean Threshold?)")]
    [InlineData("Logging:Fromat", "json", "Logging:Fromat: unknown key (did you mean Format?)")]
    [InlineData("Logging:Format", "yaml", "Logging:Format: 'yaml' is not one of simple, json")]
    public async Task AMistypedSettingStopsTheServiceWithTheKeyAndTheNearestName(string key, string value, string expected)
    {
        var settings = Settings((key, value));
        try
        {
            await using var service = ServiceProcess.Start(settings);
            Assert.Equal(2, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var line = Assert.Single(service.Output.Split('\n'), l => l.StartsWith("Configuration error:"));
            Assert.Equal($"Configuration error: {expected}", line);
            Assert.DoesNotContain("   at ", service.Output);
        }
        finally
        {
            RemoveInbox(settings);
        }
    }

    [Theory]
    [InlineData("Alerts:Names", "Foo, Bar")]
    // One item per key replaces the default list too (the binder would append it to KubePodCrashLooping).
    [InlineData("Alerts:Names:0", "Bar")]
    public async Task AListKeyTakesOneCommaSeparatedValueAndReplacesTheDefault(string key, string value)
    {
        var settings = Settings((key, value));
        try
        {
            await using var service = ServiceProcess.Start(settings);
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient();

            var response = await http.PostAsJsonAsync($"{service.BaseUrl}/alerts",
                Payloads.Group(Payloads.Alert("f1", alertname: "Bar"), Payloads.Alert("f2", alertname: "KubePodCrashLooping")));

            var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(1, result.GetProperty("accepted").GetInt32());
            Assert.Equal(1, result.GetProperty("ignored").GetInt32());
        }
        finally
        {
            RemoveInbox(settings);
        }
    }

    [Fact]
    public async Task AListKeyGivenBothWaysIsOneClearLine()
    {
        var settings = Settings(("Alerts:Names", "Foo,Bar"), ("Alerts:Names:0", "Baz"));
        try
        {
            await using var service = ServiceProcess.Start(settings);
            Assert.Equal(2, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("Configuration error: Alerts:Names: set either one comma-separated value", service.Output);
        }
        finally
        {
            RemoveInbox(settings);
        }
    }

    /// <summary>
    /// Every key of the checked sections (read from the options classes, as the start-up check does) has a row in
    /// the README's configuration table, and every row there names a key that exists. An option added to a class
    /// needs only its README row.
    /// </summary>
    [Fact]
    public void TheReadmeConfigurationTableMatchesTheOptionsClasses()
    {
        var documented = ReadmeKeys().Select(Normalize).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var actual = OptionKeys().Select(Normalize).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var checkedPrefixes = ConfigurationKeys.CheckedSections.Append("Routes").Append("Logging").ToArray();
        var undocumented = actual.Except(documented).Order().ToList();
        var stale = documented.Where(k => checkedPrefixes.Any(p => k.StartsWith(p + ":", StringComparison.OrdinalIgnoreCase)))
            .Except(actual).Order().ToList();
        Assert.True(undocumented.Count == 0, $"options without a row in README.md's configuration table: {string.Join(", ", undocumented)}");
        Assert.True(stale.Count == 0, $"README.md's configuration table names keys no options class has: {string.Join(", ", stale)}");
    }

    /// <summary>The keys of the table under "## Configuration"; `:X` after a key is a sibling of it.</summary>
    static IEnumerable<string> ReadmeKeys()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var section = readme[readme.IndexOf("\n## Configuration", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        foreach (var row in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            string? previous = null;
            foreach (Match key in Backticked().Matches(row.Split(" | ")[0]))
            {
                var text = key.Groups[1].Value;
                if (text.StartsWith(':') && previous is not null)
                    text = previous[..previous.LastIndexOf(':')] + text;
                else if (text.StartsWith(':'))
                    continue;
                // "Kubernetes:Namespaces:Allow:N", ":Deny:N": the sibling of Allow, not of N.
                previous = text.EndsWith(":N", StringComparison.Ordinal) ? text[..^2] : text;
                yield return text;
            }
        }
    }

    /// <summary>Every leaf key of the checked sections, Routes:{name}:{kind} and Logging:Format, from the classes.</summary>
    static IEnumerable<string> OptionKeys()
    {
        foreach (var (section, types) in ConfigurationKeys.SectionTypes)
            foreach (var type in types)
                foreach (var key in Leaves(section, type)) yield return key;
        foreach (var (kind, type) in ConfigurationKeys.Destinations)
            foreach (var key in Leaves($"Routes:{{name}}:{kind}", type)) yield return key;
        yield return "Logging:Format";
        yield return "Logging:LogLevel";
    }

    static IEnumerable<string> Leaves(string prefix, Type type)
    {
        foreach (var property in type.GetProperties().Where(p => p.SetMethod?.IsPublic == true || p.PropertyType.IsGenericType))
        {
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var key = $"{prefix}:{property.Name}";
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>)
                && propertyType.GetGenericArguments()[1] is { IsClass: true } value && value != typeof(string))
                foreach (var leaf in Leaves($"{key}:{{kind}}", value)) yield return leaf;
            else if (propertyType.IsClass && propertyType != typeof(string) && !propertyType.IsArray && !propertyType.IsGenericType
                     && propertyType.Namespace?.StartsWith("Webhook", StringComparison.Ordinal) == true)
                foreach (var leaf in Leaves(key, propertyType)) yield return leaf;
            else
                yield return key;
        }
    }

    /// <summary>Placeholders ({name}, {label}, N) and a trailing list index are not part of the key.</summary>
    static string Normalize(string key) =>
        string.Join(':', key.Split(':').Where(s => !(s.StartsWith('{') || s == "N" || s == "*")));

    /// <summary>
    /// The check's lists stand in for a scan of the assembly (Native AOT can do neither the scan nor reflection on
    /// types it did not keep): every options class that declares a checked section is listed, and so is every type
    /// the check walks into from their properties, or its keys would all be "unknown" in the published image.
    /// </summary>
    [Fact]
    public void TheCheckListsEveryOptionsClassAndEveryTypeItWalksInto()
    {
        var declaring = typeof(ConfigurationKeys).Assembly.GetTypes()
            .Where(t => t.GetField("Section", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static) is { IsLiteral: true } f
                        && ConfigurationKeys.CheckedSections.Contains((string?)f.GetRawConstantValue(), StringComparer.OrdinalIgnoreCase));
        foreach (var type in declaring)
        {
            var section = (string)type.GetField("Section")!.GetRawConstantValue()!;
            Assert.True(ConfigurationKeys.SectionTypes.TryGetValue(section, out var listed) && listed.Contains(type),
                $"{type.Name} declares section {section} but is not in ConfigurationKeys.SectionTypes");
        }
        var kept = ConfigurationKeys.SectionTypes.Values.SelectMany(t => t).Concat(ConfigurationKeys.Destinations.Values)
            .Concat(ConfigurationKeys.NestedTypes).ToHashSet();
        var reached = new HashSet<Type>();
        // The check reads the properties of classes only; of a collection it reads the interfaces and the element type.
        foreach (var type in kept.Where(t => !t.IsGenericType && !t.IsArray).ToList()) Walk(type);
        var missing = reached.Except(kept).Select(t => t.ToString()).Order().ToList();
        Assert.True(missing.Count == 0, $"types the check reflects on but ConfigurationKeys.NestedTypes does not keep: {string.Join(", ", missing)}");

        void Walk(Type type)
        {
            foreach (var property in type.GetProperties())
            {
                var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t.IsValueType || t == typeof(Uri) || !reached.Add(t)) continue;
                if (t.IsGenericType) foreach (var argument in t.GetGenericArguments()) if (argument.IsClass && argument != typeof(string) && reached.Add(argument)) Walk(argument);
                if (!t.IsGenericType && !t.IsArray) Walk(t);
            }
        }
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
