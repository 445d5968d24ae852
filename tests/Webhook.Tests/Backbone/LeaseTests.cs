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
        // The destination takes three leases' time to answer; without renewals another worker would claim the item
        // meanwhile and post it a second time. The lease is long enough that a renewal (due every third of it) can be
        // late by more than a second on a busy machine and still keep it.
        receiver.DelayFor = _ => TimeSpan.FromSeconds(6);
        await using var app = new WebhookApp(new Dictionary<string, string?>
        {
            ["Routes:default:Webhook:Url"] = receiver.Url(),
            ["Pipeline:LeaseDuration"] = "00:00:02",
        });
        var body = Payloads.Group(Payloads.Alert("slow")).ToJsonString();
        await app.CreateAuthorizedClient().PostAsync("/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
        var inbox = app.Services.GetRequiredService<IInboxStore>();

        await Eventually.TrueAsync(async () => (await inbox.CountsAsync(default)).Delivered == 1, TimeSpan.FromSeconds(60), "the delivery");

        Assert.Single(receiver.Requests);
    }
}
