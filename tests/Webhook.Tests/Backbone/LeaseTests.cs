using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

/// <summary>Leases in the running service; the store's side (expiry, tokens) is in the inbox contract suite.</summary>
public sealed class LeaseTests
{
    [Fact]
    public async Task AWorkerBusyLongerThanTheLeaseKeepsItsItemByRenewingIt()
    {
        await using var receiver = await TestReceiver.StartAsync();
        // The destination takes several leases' time to answer; without renewals another worker would claim the
        // item meanwhile and post it a second time.
        receiver.DelayFor = _ => TimeSpan.FromSeconds(2);
        await using var app = new WebhookApp(new Dictionary<string, string?>
        {
            ["Routes:default:Webhook:Url"] = receiver.Url(),
            ["Pipeline:LeaseDuration"] = "00:00:00.300",
        });
        var body = Payloads.Group(Payloads.Alert("slow")).ToJsonString();
        await app.CreateAuthorizedClient().PostAsync("/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
        var inbox = app.Services.GetRequiredService<IInboxStore>();

        await Eventually.TrueAsync(async () => (await inbox.CountsAsync(default)).Delivered == 1, TimeSpan.FromSeconds(30), "the delivery");

        Assert.Single(receiver.Requests);
    }
}
