using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scheduler.Kubernetes.Watching;

/// <summary>
/// Keeps a consumer in step with one kind of object, the way KubeOps' ResourceWatcher and client-go's reflector do:
/// list, then watch from the list's resourceVersion with bookmarks; after the stream ends, watch again from the last
/// resourceVersion seen (events or bookmarks); on 410 Gone relist and report the differences against what the consumer
/// was told; on any other failure back off exponentially with jitter. The consumer sees each object's changes in order.
/// </summary>
public sealed partial class ResourceWatcher<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly WatchSource<T> _source;
    private readonly TimeProvider _time;
    private readonly ResourceWatcherOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, T> _known = new(StringComparer.Ordinal);

    public ResourceWatcher(WatchSource<T> source, TimeProvider time, ResourceWatcherOptions? options = null, ILogger? logger = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options ?? new ResourceWatcherOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The last resourceVersion seen; a restart of the watch resumes from it.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>How many times the watcher listed (1 at start, one more per 410 Gone).</summary>
    public int ListCount { get; private set; }

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> fires. A handler that throws a transient API error
    /// (<see cref="HttpOperationException"/>, <see cref="HttpRequestException"/>, …) gets the event again after the
    /// back-off; any other exception from it ends the run.
    /// </summary>
    public async Task RunAsync(Func<ResourceEvent<T>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var failures = 0;
        var mustList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (mustList)
                {
                    await RelistAsync(handler, cancellationToken);
                    mustList = false;
                }

                var gone = await WatchOnceAsync(handler, cancellationToken);
                failures = 0;
                if (gone)
                {
                    LogGone(_logger, typeof(T).Name, ResourceVersion);
                    mustList = true;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                LogGone(_logger, typeof(T).Name, ResourceVersion);
                mustList = true;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException
                                          or System.Text.Json.JsonException or OperationCanceledException)
            {
                failures++;
                var delay = Backoff(failures);
                LogRetry(_logger, typeof(T).Name, delay.TotalMilliseconds, e);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task RelistAsync(Func<ResourceEvent<T>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        var list = await _source.List(cancellationToken);
        ListCount++;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            var key = Key(item);
            seen.Add(key);
            if (_known.TryGetValue(key, out var known) && known.Metadata.Uid != item.Metadata.Uid)
            {
                // Deleted and re-created under the same name while we were not watching: a consumer told only "modified"
                // would never learn that the first object, and whatever hangs on its uid, is gone.
                await DeliverAsync(handler, new ResourceEvent<T>(ResourceEventType.Deleted, known), cancellationToken);
            }

            if (Classify(item, WatchEventType.Added) is { } change
                && (change.Type == ResourceEventType.Added || _known[key].Metadata.ResourceVersion != item.Metadata.ResourceVersion))
            {
                await DeliverAsync(handler, change, cancellationToken);
            }
        }

        foreach (var gone in _known.Where(k => !seen.Contains(k.Key)).Select(k => k.Value).ToList())
        {
            await DeliverAsync(handler, new ResourceEvent<T>(ResourceEventType.Deleted, gone), cancellationToken);
        }

        ResourceVersion = list.ResourceVersion;
        await handler(new ResourceEvent<T>(ResourceEventType.Synced, null), cancellationToken);
    }

    /// <summary>One watch request; true when the server said the resourceVersion is gone (410).</summary>
    private async Task<bool> WatchOnceAsync(Func<ResourceEvent<T>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        var gone = false;
        Exception? failure = null;
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                gone = true;
            }
            else
            {
                failure ??= e;
            }
        }

        var timeout = JitteredTimeout();
        await foreach (var (type, item) in _source.Watch(ResourceVersion, timeout, OnError, cancellationToken))
        {
            if (Classify(item, type) is { } change)
            {
                await DeliverAsync(handler, change, cancellationToken);
            }

            // Only after the consumer took the event: a handler that fails gets it again when the watch resumes.
            if (item?.Metadata?.ResourceVersion is { } rv)
            {
                ResourceVersion = rv;
            }
        }

        if (failure is not null && !gone)
        {
            throw new KubernetesException("The watch reported an error.", failure);
        }

        return gone;
    }

    /// <summary>What a watch event means to the consumer; null for bookmarks. A repeated creation is reported as a change.</summary>
    private ResourceEvent<T>? Classify(T? item, WatchEventType type) => type switch
    {
        WatchEventType.Added or WatchEventType.Modified when item is not null =>
            new ResourceEvent<T>(_known.ContainsKey(Key(item)) ? ResourceEventType.Modified : ResourceEventType.Added, item),
        WatchEventType.Deleted when item is not null => new ResourceEvent<T>(ResourceEventType.Deleted, item),
        _ => null,
    };

    /// <summary>Hands the event over, then remembers what the consumer now knows.</summary>
    private async ValueTask DeliverAsync(Func<ResourceEvent<T>, CancellationToken, ValueTask> handler, ResourceEvent<T> change, CancellationToken cancellationToken)
    {
        await handler(change, cancellationToken);
        if (change.Type == ResourceEventType.Deleted)
        {
            _known.Remove(Key(change.Object!));
        }
        else
        {
            _known[Key(change.Object!)] = change.Object!;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 16);
        var baseDelay = Math.Min(_options.InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent), _options.MaxBackoff.TotalMilliseconds);
#pragma warning disable CA5394 // jitter needs no cryptographic randomness
        var jitter = 0.5 + Random.Shared.NextDouble();
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(baseDelay * jitter);
    }

    private int JitteredTimeout()
    {
        // Spread re-watches of many watchers over time, as client-go does (timeout between 1× and 2× the minimum).
#pragma warning disable CA5394
        return _options.WatchTimeoutSeconds + Random.Shared.Next(0, Math.Max(1, _options.WatchTimeoutSeconds));
#pragma warning restore CA5394
    }

    private static string Key(T item) => $"{item.Metadata.NamespaceProperty}/{item.Metadata.Name}";

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Watch of {Kind} from resourceVersion {ResourceVersion} is gone (410); relisting")]
    private static partial void LogGone(ILogger logger, string kind, string? resourceVersion);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Watch of {Kind} failed; retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string kind, double delayMs, Exception exception);
}
