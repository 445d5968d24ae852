using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Webhook.Operations;

/// <summary>
/// Configuration that cannot be mistyped: every key under the sections below must name a property of the options
/// classes bound there ("Routes:default:Slak: unknown key (did you mean Slack?)"), enumerations must hold one of their
/// values, and a list key given one value (<c>Alerts__Names=Foo,Bar</c>) is split at commas. The valid names are read
/// from the options classes by reflection, so an option added to a class is accepted without touching this file.
/// </summary>
public static class ConfigurationKeys
{
    /// <summary>Sections whose every key is known: each is bound to the classes that declare <c>const string Section</c> with its name (<see cref="SectionTypes"/>).</summary>
    public static readonly string[] CheckedSections = ["Auth", "Alerts", "Inbox", "Pipeline", "Kubernetes", "Delivery", "Storm"];

    /// <summary>The destinations of a route (Routes:{name}:{kind}:...), each bound to its options class.</summary>
    public static readonly IReadOnlyDictionary<string, Type> Destinations = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        ["Slack"] = Keep<Notify.Slack.SlackOptions>(),
        ["Teams"] = Keep<Notify.Teams.TeamsOptions>(),
        ["Webhook"] = Keep<Notify.Webhook.WebhookOptions>(),
    };

    /// <summary>Logging: the framework's own sections (free-form below them) and our Format.</summary>
    static readonly string[] LoggingKeys = ["LogLevel", "Format", "Console", "Debug", "EventSource", "EventLog", "OpenTelemetry"];
    static readonly string[] LoggingFormats = ["simple", "json"];

    /// <summary>
    /// Each checked section and the options classes bound to it. Listed, not found by scanning the assembly (which
    /// Native AOT cannot do): ConfigurationKeyTests checks that every class declaring one of these sections is here.
    /// </summary>
    public static IReadOnlyDictionary<string, Type[]> SectionTypes { get; } = new Dictionary<string, Type[]>(StringComparer.OrdinalIgnoreCase)
    {
        [Alerts.AuthOptions.Section] = [Keep<Alerts.AuthOptions>()],
        [Alerts.AlertsOptions.Section] = [Keep<Alerts.AlertsOptions>()],
        [Inbox.InboxOptions.Section] = [Keep<Inbox.InboxOptions>()],
        [Pipeline.PipelineOptions.Section] = [Keep<Pipeline.PipelineOptions>()],
        [Collect.KubernetesOptions.Section] = [Keep<Collect.KubernetesOptions>()],
        [Notify.Delivery.DeliveryResilienceOptions.Section] = [Keep<Notify.Delivery.DeliveryResilienceOptions>()],
        [Notify.Storm.StormOptions.Section] = [Keep<Notify.Storm.StormOptions>()],
    };

    /// <summary>
    /// The types below the options classes that the check walks into (nested options, the collections of their
    /// properties), kept for reflection under Native AOT like the classes themselves. ConfigurationKeyTests checks
    /// that every type the walk can reach is here or in <see cref="SectionTypes"/> / <see cref="Destinations"/>.
    /// </summary>
    public static readonly Type[] NestedTypes =
    [
        Keep<Collect.NamespaceFilterOptions>(), Keep<Collect.LogOptions>(), Keep<Notify.Delivery.RateOptions>(),
        Keep<Dictionary<string, Notify.Delivery.RateOptions>>(), Keep<Dictionary<string, string>>(), Keep<List<string>>(), Keep<string[]>(),
    ];

    const DynamicallyAccessedMemberTypes Reflected = DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.Interfaces;

    /// <summary>typeof(T), with what the check reads of T (its properties and interfaces) kept when trimming.</summary>
    static Type Keep<[DynamicallyAccessedMembers(Reflected)] T>() => typeof(T);

    // The walk goes from a property to its type, which the trimmer cannot follow; every type it reaches is kept
    // by Keep<T> above (a test checks the lists are complete), so the reflection below finds what it looks for.
    const string KeptByList = "Every type the walk reaches is listed with Keep<T> in SectionTypes, Destinations or NestedTypes.";

    /// <summary>Splits one-value list keys at commas, then checks every key; throws with one line per mistake.</summary>
    public static void Check(IConfiguration configuration)
    {
        var errors = new List<string>();
        foreach (var (name, types) in SectionTypes)
        {
            var section = configuration.GetSection(name);
            if (section.Exists() && types.Length > 0) CheckObject(configuration, section, types, errors);
        }
        foreach (var route in configuration.GetSection("Routes").GetChildren())
            foreach (var kind in route.GetChildren())
            {
                if (Destinations.TryGetValue(kind.Key, out var type))
                    CheckObject(configuration, kind, [type], errors);
                else
                    errors.Add(Unknown(kind.Path, kind.Key, Destinations.Keys));
            }
        var logging = configuration.GetSection("Logging");
        foreach (var child in logging.GetChildren())
            if (!LoggingKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                errors.Add(Unknown(child.Path, child.Key, LoggingKeys));
        if (logging["Format"] is { } format && !LoggingFormats.Contains(format, StringComparer.OrdinalIgnoreCase))
            errors.Add($"Logging:Format: '{format}' is not one of {string.Join(", ", LoggingFormats)}");
        if (errors.Count > 0)
            throw new OptionsValidationException("Configuration", typeof(IConfiguration), errors);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = KeptByList)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = KeptByList)]
    static void CheckObject(IConfiguration configuration, IConfigurationSection section, Type[] types, List<string> errors)
    {
        var properties = types.SelectMany(Bindable).ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(KeyOf(p), child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
                errors.Add(Unknown(child.Path, child.Key, properties.Select(KeyOf).Distinct()));
            else
                CheckValue(configuration, child, property.PropertyType, errors);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = KeptByList)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = KeptByList)]
    static void CheckValue(IConfiguration configuration, IConfigurationSection section, Type type, List<string> errors)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            if (section.Value is { Length: > 0 } value && !Enum.TryParse(type, value, ignoreCase: true, out _))
                errors.Add($"{section.Path}: '{value}' is not one of {string.Join(", ", Enum.GetNames(type))}");
        }
        else if (IsScalar(type))
        {
            return; // the binder and the options' validators check the value itself
        }
        else if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var child in section.GetChildren())
                CheckValue(configuration, child, valueType, errors);
        }
        else if (ListElementType(type) is { } elementType)
        {
            var children = section.GetChildren().ToList();
            if (section.Value is { Length: > 0 } list && IsScalar(elementType))
            {
                // One value for a list key: "Foo,Bar" is the list [Foo, Bar].
                if (children.Count > 0)
                    errors.Add($"{section.Path}: set either one comma-separated value or {section.Path}:0, :1 ..., not both");
                else
                {
                    var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    for (var i = 0; i < items.Length; i++)
                        configuration[$"{section.Path}:{i}"] = items[i];
                }
                return;
            }
            foreach (var child in children)
            {
                if (!int.TryParse(child.Key, out _))
                    errors.Add($"{child.Path}: a list takes items {section.Path}:0, :1 ... or one comma-separated value, not '{child.Key}'");
                else
                    CheckValue(configuration, child, elementType, errors);
            }
        }
        else
        {
            CheckObject(configuration, section, [type], errors);
        }
    }

    /// <summary>Properties the binder sets: public with a setter, or a collection it fills in place.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = KeptByList)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = KeptByList)]
    static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.SetMethod?.IsPublic == true || (!IsScalar(p.PropertyType) && p.GetMethod?.IsPublic == true)));

    static string KeyOf(PropertyInfo property) => property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Uri) || type == typeof(Guid);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = KeptByList)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = KeptByList)]
    static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) && i.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1];

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = KeptByList)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = KeptByList)]
    static Type? ListElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0] is { } element
          && typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string) ? element
        : null;

    /// <summary>"Routes:default:Slak: unknown key (did you mean Slack?)", or the valid names when none is close.</summary>
    public static string Unknown(string path, string key, IEnumerable<string> valid)
    {
        var names = valid.Order(StringComparer.Ordinal).ToList();
        var nearest = names.Select(n => (Name: n, Distance: Distance(key.ToLowerInvariant(), n.ToLowerInvariant())))
            .OrderBy(c => c.Distance).FirstOrDefault();
        return nearest.Name is not null && nearest.Distance <= Math.Max(2, key.Length / 3)
            ? $"{path}: unknown key (did you mean {nearest.Name}?)"
            : $"{path}: unknown key (valid: {string.Join(", ", names)})";
    }

    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
