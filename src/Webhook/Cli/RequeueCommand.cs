using System.CommandLine;
using System.Net.Http.Headers;

namespace Webhook.Cli;

/// <summary>
/// <c>requeue ID</c>: puts a failed or dead inbox item back in the queue, through the running service (which owns the
/// inbox file, so the command never opens it itself).
/// </summary>
public static class RequeueCommand
{
    public static Command Create()
    {
        var id = new Argument<long>("ID") { Description = "The item's id, as GET /status lists it under 'failed'." };
        var url = new Option<string>("--url") { Description = "The service's base URL.", DefaultValueFactory = _ => "http://localhost:5000" };
        var token = new Option<string?>("--token")
        {
            Description = "The service's Auth:BearerToken (default: the Auth__BearerToken environment variable).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Auth__BearerToken"),
        };
        var command = new Command("requeue", "Re-queue a failed or dead inbox item through the running service.") { id, url, token };
        command.SetAction((result, ct) => RunAsync(result.GetValue(id), result.GetValue(url)!, result.GetValue(token), ct));
        return command;
    }

    static async Task<int> RunAsync(long id, string url, string? token, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"requeue: --url '{url}' is not an http(s) URL.");
            return 2;
        }
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(token)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.PostAsync($"/status/failed/{id}/retry", content: null, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                Console.WriteLine($"requeue: item {id} is pending again.");
                return 0;
            }
            Console.Error.WriteLine($"requeue: {(int)response.StatusCode} {body}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"requeue: cannot reach {baseUri}: {e.Message}");
            return 1;
        }
    }
}
