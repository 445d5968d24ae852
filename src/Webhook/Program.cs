using Webhook.Cli;

if (CommandLine.IsToolInvocation(args))
    return await CommandLine.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => "ok");
await app.RunAsync();
return 0;

public partial class Program;
