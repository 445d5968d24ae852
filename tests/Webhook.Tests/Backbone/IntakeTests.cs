using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhook.Inbox;
using Webhook.Tests.Support;

namespace Webhook.Tests.Backbone;

public sealed class IntakeTests : IAsyncLifetime
{
    readonly WebhookApp _app = new(new Dictionary<string, string?>
    {
        ["Routes:team-a:Webhook:Url"] = "http://127.0.0.1:9/unused",
        ["Alerts:MaxBodyBytes"] = "4096",
    }, pipeline: false);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _app.DisposeAsync();

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
    static StringContent Json(JsonNode body) => Json(body.ToJsonString());

    static async Task<ProblemDetails> ProblemOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
    }

    [Fact]
    public async Task AValidGroupIsAcceptedAndCommittedBeforeTheAnswer()
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("a1"), Payloads.Alert("a2"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var counts = await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default);
        Assert.Equal(2, counts.Pending);
    }

    [Fact]
    public async Task ARequestWithoutCredentialsGets401WithAChallenge()
    {
        var response = await _app.CreateClient().PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("a1"))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Bearer", (await ProblemOf(response)).Detail);
    }

    [Theory]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer test-token-5f2")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    public async Task ARequestWithWrongCredentialsGets401(string authorization)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("a1"))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task MalformedJsonGets400NamingWhereItBroke()
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json("""{"alerts":[{"labels":{"a":"b"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemOf(response);
        Assert.StartsWith("Malformed JSON", problem.Detail);
        Assert.Contains("$.alerts[0]", problem.Detail);
    }

    [Fact]
    public async Task AWrongTypeGets400NamingTheFieldNotADotNetType()
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json("""{"alerts":[{"labels":5}]}"""));

        var problem = await ProblemOf(response);
        Assert.Equal(400, problem.Status);
        Assert.Contains("$.alerts[0].labels", problem.Detail);
        Assert.DoesNotContain("System.", problem.Detail);
    }

    [Theory]
    [InlineData("alerts", "Missing required field 'alerts'.")]
    [InlineData("labels", "Missing required field 'alerts[1].labels'.")]
    [InlineData("status", "Missing required field 'alerts[1].status'.")]
    [InlineData("startsAt", "Missing required field 'alerts[1].startsAt'.")]
    [InlineData("fingerprint", "Missing required field 'alerts[1].fingerprint'.")]
    public async Task AMissingRequiredFieldGets400NamingIt(string field, string expected)
    {
        var group = Payloads.Group(Payloads.Alert("ok"), Payloads.Alert("broken"));
        if (field == "alerts") group.Remove("alerts");
        else group["alerts"]![1]!.AsObject().Remove(field);

        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json(group));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, (await ProblemOf(response)).Detail);
        Assert.Equal(0, (await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default)).Pending);
    }

    [Fact]
    public async Task AnUnknownStatusGets400()
    {
        var group = Payloads.Group(Payloads.Alert("x"));
        group["alerts"]![0]!["status"] = "pending";

        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json(group));

        Assert.Contains("must be 'firing' or 'resolved'", (await ProblemOf(response)).Detail);
    }

    [Fact]
    public async Task ABodyOverTheLimitGets413()
    {
        var group = Payloads.Group(Payloads.Alert("big"));
        group["alerts"]![0]!["annotations"]!["description"] = new string('x', 5000);

        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json(group));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Alerts:MaxBodyBytes", (await ProblemOf(response)).Detail);
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitGets413Too()
    {
        var group = Payloads.Group(Payloads.Alert("big"));
        group["alerts"]![0]!["annotations"]!["description"] = new string('x', 5000);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(group.ToJsonString())));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/alerts") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _app.CreateAuthorizedClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task AContentTypeOtherThanJsonGets415(string contentType)
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts",
            new StringContent(Payloads.Group(Payloads.Alert("a")).ToJsonString(), Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains(contentType, (await ProblemOf(response)).Detail);
    }

    [Fact]
    public async Task AnUnknownRouteGets404ListingTheConfiguredOnes()
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts/team-z", Json(Payloads.Group(Payloads.Alert("a"))));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("default, team-a", (await ProblemOf(response)).Detail);
    }

    [Fact]
    public async Task AConfiguredRouteAcceptsAlerts()
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts/team-a", Json(Payloads.Group(Payloads.Alert("a"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task AlertsWithAnotherNameAreAcknowledgedCountedAndIgnored()
    {
        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts",
            Json(Payloads.Group(Payloads.Alert("w", alertname: "Watchdog"), Payloads.Alert("c"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(1, (int)body!["ignored"]!);
        Assert.Equal(1, (int)body["accepted"]!);
    }

    [Fact]
    public async Task TheAnswerIsJsonWithALengthAndCountsWhatWasStoredAndWhatWasAlreadyThere()
    {
        var client = _app.CreateAuthorizedClient();
        await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("seen"))));

        var response = await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("seen"), Payloads.Alert("new"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(Encoding.UTF8.GetByteCount(text), response.Content.Headers.ContentLength);
        Assert.Equal("""{"accepted":1,"duplicates":1,"ignored":0}""", text);
    }

    [Fact]
    public async Task UnknownFieldsFromNewerAlertmanagersAreIgnored()
    {
        var group = Payloads.Group(Payloads.Alert("n"));
        group["notification_reason"] = "new";
        group["alerts"]![0]!["notification_reason"] = "new";

        var response = await _app.CreateAuthorizedClient().PostAsync("/alerts", Json(group));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task TheSameAlertSentAgainAddsNoItem()
    {
        var client = _app.CreateAuthorizedClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("same"))))).StatusCode);

        Assert.Equal(1, (await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default)).Pending);
    }

    [Fact]
    public async Task AResolvedAlertIsADifferentItemFromItsFiring()
    {
        var client = _app.CreateAuthorizedClient();
        await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("f"))));
        await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("f", status: "resolved"))));

        Assert.Equal(2, (await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default)).Pending);
    }

    [Fact]
    public async Task GarbageBytesNeverProduceA500()
    {
        var client = _app.CreateAuthorizedClient();
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new("application/json");
            var response = await client.PostAsync("/alerts", content);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        foreach (var body in new[] { "null", "[]", "\"x\"", "{}", """{"alerts":null}""", """{"alerts":[null]}""", """{"alerts":[{"labels":{"a":null}}]}""" })
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/alerts", Json(body))).StatusCode);
    }

    [Fact]
    public async Task ABodyCutShortOfItsContentLengthIsNotAnUnhandledError()
    {
        // Kestrel, not the in-memory test server: only a real socket can end a body early. wrk does it to every
        // request in flight when a run ends, and so does a proxy that drops a connection; the answer goes nowhere,
        // but it used to be logged as an unhandled exception (and a 500).
        var logs = new ListLoggerProvider();
        await using var app = StartOnKestrel(logs);
        var server = app.CreateClient().BaseAddress!;
        string received;
        using (var socket = await ConnectAsync(server))
        {
            // Expect: 100-continue makes Kestrel say when the handler starts reading, so the body is cut mid-read.
            received = await SendAsync(socket, server, "Content-Length: 500\r\nExpect: 100-continue", "");
            Assert.StartsWith("HTTP/1.1 100 Continue", received);
            await socket.SendAsync(Encoding.ASCII.GetBytes("{\"version\":\"4\",\"alerts\":["));
            socket.Shutdown(SocketShutdown.Send);
            // The client's FIN races the body read in Kestrel: the read ends either with "unexpected end of request
            // content" (answered 400) or with the request aborted (nobody left to answer). Both are the client's doing;
            // reading until the server ends the connection means the request has finished either way.
            received += await ReadUntilClosedAsync(socket);
        }

        Assert.DoesNotContain("HTTP/1.1 500", received);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
        var client = app.CreateAuthorizedClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("after"))))).StatusCode);
    }

    [Fact]
    public async Task ABodyWhoseFramingKestrelRejectsIsAnsweredWithKestrelsStatus()
    {
        // A broken chunk is the same BadHttpRequestException as a body cut short, on a connection the client keeps
        // open, so the answer reaches it.
        var logs = new ListLoggerProvider();
        await using var app = StartOnKestrel(logs);
        var server = app.CreateClient().BaseAddress!;
        using var socket = await ConnectAsync(server);
        var received = await SendAsync(socket, server, "Transfer-Encoding: chunked", "5\r\n{\"ver\r\nzz\r\n");
        received += await ReadUntilClosedAsync(socket);

        Assert.StartsWith("HTTP/1.1 400", received);
        Assert.Contains(logs.Entries, e => e.Message.StartsWith("Answering 400: the request body could not be read"));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }

    private WebApplicationFactory<Program> StartOnKestrel(ListLoggerProvider logs)
    {
        var app = _app.WithWebHostBuilder(b => b
            .UseSetting("Logging:LogLevel:Webhook", "Information")
            .ConfigureLogging(l => l.AddProvider(logs)));
        app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        return app;
    }

    private static async Task<Socket> ConnectAsync(Uri server)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port);
        return socket;
    }

    /// <summary>Sends a POST /alerts head with <paramref name="framing"/> and <paramref name="body"/>; returns the
    /// first answer's head (an interim 100 Continue, or the final answer).</summary>
    private static async Task<string> SendAsync(Socket socket, Uri server, string framing, string body)
    {
        var head = $"POST /alerts HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {WebhookApp.Token}\r\n" +
                   $"Content-Type: application/json\r\n{framing}\r\n\r\n{body}";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains("\r\n\r\n"))
        {
            var read = await socket.ReceiveAsync(buffer, deadline.Token);
            if (read == 0) break;
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return received.ToString();
    }

    private static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var received = new StringBuilder();
        var buffer = new byte[1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { }
        return received.ToString();
    }

    [Fact]
    public async Task TheSameAlertSentToTwoRoutesIsTwoItems()
    {
        var client = _app.CreateAuthorizedClient();
        await client.PostAsync("/alerts", Json(Payloads.Group(Payloads.Alert("both"))));
        await client.PostAsync("/alerts/team-a", Json(Payloads.Group(Payloads.Alert("both"))));

        Assert.Equal(2, (await _app.Services.GetRequiredService<SqliteInbox>().CountsAsync(default)).Pending);
    }
}
