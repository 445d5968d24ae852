using Microsoft.Extensions.Options;
using Webhook.Inbox;

namespace Webhook.Pipeline;

/// <summary>A bounded pool of loops that each take one due item at a time from the inbox.</summary>
public sealed partial class PipelineWorker(
    IInboxStore inbox,
    InboxDoorbell doorbell,
    IServiceProvider services,
    IOptions<PipelineOptions> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<PipelineWorker> logger) : BackgroundService
{
    readonly PipelineOptions _options = options.Value;
    // Cancelled Pipeline:ShutdownGrace after the stop begins: until then items in flight finish their work.
    readonly CancellationTokenSource _abandon = new();
    // Cancelled when the stop begins: no new claims.
    readonly CancellationTokenSource _stopClaiming = new();
    int _stopping;

    /// <summary>
    /// At SIGTERM itself (ApplicationStopping), not when the host gets round to this service: the services stopped
    /// before it (the web server first) take their own time, which must not come out of the workers' grace.
    /// </summary>
    void BeginStop()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return;
        _stopClaiming.Cancel();
        _abandon.CancelAfter(_options.ShutdownGrace);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginStop();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _abandon.Dispose();
        _stopClaiming.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recovered = await inbox.RecoverInFlightAsync(stoppingToken);
        if (recovered > 0) LogRecovered(logger, recovered);

        using var onStopping = lifetime.ApplicationStopping.Register(BeginStop);
        using var claiming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopClaiming.Token);
        var processor = services.GetRequiredService<AlertProcessor>();
        var loops = Enumerable.Range(0, _options.Workers).Select(_ => Task.Run(() => LoopAsync(processor, claiming.Token), stoppingToken));
        var housekeeping = Task.Run(() => PurgeLoopAsync(stoppingToken), stoppingToken);
        await Task.WhenAll([.. loops, housekeeping]);
    }

    async Task LoopAsync(AlertProcessor processor, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var items = await inbox.ClaimAsync(1, _options.LeaseDuration, stoppingToken);
                if (items.Count == 0)
                {
                    await doorbell.WaitAsync(_options.PollInterval, stoppingToken);
                    continue;
                }
                await ProcessOneAsync(processor, items[0]);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (InboxUnavailableException ex)
            {
                // The database stayed away while an item was worked on, past what its recording waits for (its
                // lease, or the stop's grace): expected during a long outage, which /readyz shows; the item's lease
                // runs out and it is claimed again once the inbox is back.
                LogInboxUnavailable(logger, ex.Message);
                await Task.Delay(_options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception ex)
            {
                // The inbox itself failed; a worker never dies of it.
                LogLoopError(logger, ex);
                await Task.Delay(_options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Not cancelled by the stop itself: an item claimed before it finishes within Pipeline:ShutdownGrace.</summary>
    async Task ProcessOneAsync(AlertProcessor processor, InboxItem item)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token);
        timeout.CancelAfter(_options.ItemTimeout);
        using var working = new CancellationTokenSource();
        // Stopped by disposing it, not by cancelling its wait: a cancelled PeriodicTimer wait completes with an
        // OperationCanceledException and its stack trace, once per item (in the Native AOT image, resolving the
        // trace's method names was about 5% of a storm's CPU, tests/bench/STORM.md). Disposed, the wait answers false.
        var ticks = new PeriodicTimer(_options.LeaseDuration / 3, clock);
        var renewing = RenewWhileWorkingAsync(item, ticks, working.Token);
        try
        {
            await processor.ProcessAsync(item, timeout.Token, _abandon.Token);
        }
        catch (Exception ex) when (!_abandon.IsCancellationRequested && ex is not InboxUnavailableException)
        {
            // A step that timed out or broke is retried with backoff like a failed delivery. (The inbox's database
            // away for longer than the processor waits for it is not a step that broke: the item is left to its
            // lease, as LoopAsync says.) Should recording this fail too, the item is not stuck: its lease runs out and it is
            // claimed again.
            var reason = ex is OperationCanceledException ? $"timed out after {_options.ItemTimeout}" : $"failed: {ex.GetType().Name}";
            LogItemFailed(logger, ex, item.Key);
            await processor.FailAsync(item, reason, permanent: false, retryAfter: null, _abandon.Token);
        }
        finally
        {
            ticks.Dispose();
            // Only a renewal under way is listening to this.
            await working.CancelAsync();
            await renewing;
        }
    }

    /// <summary>Keeps the claim while the worker is busy (a slow chat, a long Pipeline:ItemTimeout): renewed at a third of the lease.</summary>
    async Task RenewWhileWorkingAsync(InboxItem item, PeriodicTimer timer, CancellationToken working)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(CancellationToken.None))
            {
                try
                {
                    if (!await inbox.RenewLeaseAsync(item, _options.LeaseDuration, working)) return;
                }
                catch (InboxUnavailableException ex)
                {
                    // The next tick tries again; the lease has two more thirds to go.
                    LogInboxUnavailable(logger, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogLoopError(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The item is done.
        }
    }

    async Task PurgeLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try { await inbox.PurgeAsync(stoppingToken); }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { LogLoopError(logger, ex); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Picked up {Count} item(s) that were in flight when the process stopped")]
    static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Processing {Key} failed")]
    static partial void LogItemFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "Inbox unavailable while an item was worked on; its lease lets it be claimed again: {Reason}")]
    static partial void LogInboxUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Error, Message = "Pipeline worker error; continuing")]
    static partial void LogLoopError(ILogger logger, Exception exception);
}
