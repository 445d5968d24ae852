namespace Webhook.Notify;

/// <summary>
/// Builds the destinations one route's configuration section asks for (e.g. Routes:team-a:Webhook).
/// Each destination kind registers one factory; a bad setting throws an OptionsValidationException naming the key.
/// </summary>
public interface IDestinationFactory
{
    IEnumerable<INotifier> Create(string route, IConfigurationSection routeSection);
}
