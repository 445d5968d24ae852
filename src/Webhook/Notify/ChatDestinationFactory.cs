using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;
using Webhook.Notify.Http;
using Webhook.Notify.Slack;
using Webhook.Notify.Storm;
using Webhook.Notify.Teams;

namespace Webhook.Notify;

/// <summary>
/// Builds the Slack and Teams destinations of a route (Routes:{name}:Slack, Routes:{name}:Teams), gives each a storm
/// gate that the delivery stage consults, and tells the pacer which URL is which chat's destination.
/// </summary>
public sealed class ChatDestinationFactory(IServiceProvider services, IHttpClientFactory http, ContentBuilder content,
    DestinationPacer pacer, StormGates gates, IOptions<StormOptions> storm, TimeProvider time, ILoggerFactory loggers) : IDestinationFactory
{
    public IEnumerable<INotifier> Create(string route, IConfigurationSection routeSection)
    {
        var slack = routeSection.GetSection("Slack");
        if (slack.Exists()) yield return Gate(CreateSlack(route, slack.Get<SlackOptions>() ?? new()));
        var teams = routeSection.GetSection("Teams");
        if (teams.Exists()) yield return Gate(CreateTeams(route, teams.Get<TeamsOptions>() ?? new()));
    }

    private INotifier CreateSlack(string route, SlackOptions o)
    {
        var prefix = $"Routes:{route}:Slack";
        var id = $"{route}/slack";
        if (Secret.From(o.BotToken) is { } token)
        {
            if (!string.IsNullOrWhiteSpace(o.WebhookUrl)) Fail<SlackOptions>(prefix, $"{prefix}: set either WebhookUrl or BotToken with Channel, not both");
            if (string.IsNullOrWhiteSpace(o.Channel)) Fail<SlackOptions>(prefix, $"{prefix}:Channel is required with {prefix}:BotToken");
            var apiBase = HttpUrl(o.ApiBaseUrl.EndsWith('/') ? o.ApiBaseUrl : o.ApiBaseUrl + "/", $"{prefix}:ApiBaseUrl");
            return new SlackApiNotifier(id, o.Channel!.Trim(), new SlackApiClient(token, apiBase, http),
                services.GetRequiredService<ISlackIncidentStore>(), content, time) { MaxThreadReplies = storm.Value.MaxThreadReplies };
        }
        var url = HttpUrl(o.WebhookUrl, $"{prefix}:WebhookUrl");
        pacer.RegisterUrl(url.AbsoluteUri, "slack");
        return new SlackWebhookNotifier(id, new Secret(url.AbsoluteUri), http, content);
    }

    private TeamsNotifier CreateTeams(string route, TeamsOptions o)
    {
        var url = HttpUrl(o.WorkflowUrl, $"Routes:{route}:Teams:WorkflowUrl");
        pacer.RegisterUrl(url.AbsoluteUri, "teams");
        return new TeamsNotifier($"{route}/teams", new Secret(url.AbsoluteUri), http, content);
    }

    private INotifier Gate(INotifier chat)
    {
        var gate = new StormGate(chat.Id, chat.Kind, (IDigestTarget)chat, content, services.GetRequiredService<IStormStore>(),
            services.GetRequiredService<DeliveryStage>(), gates, storm, time, loggers.CreateLogger<StormGate>(),
            services.GetRequiredService<IOptions<global::Webhook.Pipeline.PipelineOptions>>().Value.Workers);
        // Recovers what a previous run held once the host starts (StormGates).
        gates.Add(gate);
        return chat;
    }

    /// <summary>The message names the key, never the value: the value is a credential.</summary>
    private static Uri HttpUrl(string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value)) Fail<SlackOptions>(key, $"{key} is required");
        if (!Uri.TryCreate(value!.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            Fail<SlackOptions>(key, $"{key} must be an absolute http or https URL");
        return uri!;
    }

    private static void Fail<T>(string key, string message) => throw new OptionsValidationException(key, typeof(T), [message]);
}
