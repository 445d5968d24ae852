using Microsoft.Extensions.Options;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Webhook;

public sealed class WebhookDestinationFactory(IHttpClientFactory http, TimeProvider clock, SecretRedactor? redactor = null) : IDestinationFactory
{
    public IEnumerable<INotifier> Create(string route, IConfigurationSection routeSection)
    {
        var section = routeSection.GetSection("Webhook");
        if (!section.Exists()) yield break;
        var options = section.Get<WebhookOptions>() ?? new();
        var key = $"Routes:{route}:Webhook:Url";
        if (string.IsNullOrWhiteSpace(options.Url))
            throw new OptionsValidationException(key, typeof(WebhookOptions), [$"{key} is required when Routes:{route}:Webhook is configured"]);
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new OptionsValidationException(key, typeof(WebhookOptions), [$"{key} must be an absolute http or https URL"]);
        if (options.Timeout <= TimeSpan.Zero)
            throw new OptionsValidationException(key, typeof(WebhookOptions), [$"Routes:{route}:Webhook:Timeout must be positive"]);
        yield return new WebhookNotifier(route, options, http, clock, redactor);
    }
}
