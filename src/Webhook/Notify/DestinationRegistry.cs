using Webhook.Notify.Console;

namespace Webhook.Notify;

/// <summary>
/// Route name → destinations, built once at start from Routes:{name}:*. The route "default" always exists and
/// serves POST /alerts; a route without destinations writes to the console log so a fresh checkout shows something.
/// </summary>
public sealed class DestinationRegistry
{
    public const string DefaultRoute = "default";
    readonly Dictionary<string, IReadOnlyList<INotifier>> _routes = new(StringComparer.Ordinal);

    public DestinationRegistry(IConfiguration configuration, IEnumerable<IDestinationFactory> factories, ILoggerFactory loggers)
    {
        var sections = configuration.GetSection("Routes").GetChildren().ToDictionary(s => s.Key, StringComparer.Ordinal);
        if (!sections.ContainsKey(DefaultRoute))
            sections[DefaultRoute] = configuration.GetSection($"Routes:{DefaultRoute}");

        var factoryList = factories.ToList();
        foreach (var (route, section) in sections)
        {
            var notifiers = factoryList.SelectMany(f => f.Create(route, section)).ToList();
            if (notifiers.Count == 0)
                notifiers.Add(new ConsoleNotifier(route, loggers.CreateLogger<ConsoleNotifier>()));
            _routes[route] = notifiers;
        }
    }

    public IEnumerable<string> RouteNames => _routes.Keys.Order(StringComparer.Ordinal);

    public bool HasRoute(string route) => _routes.ContainsKey(route);

    public IReadOnlyList<INotifier>? For(string route) => _routes.GetValueOrDefault(route);
}
