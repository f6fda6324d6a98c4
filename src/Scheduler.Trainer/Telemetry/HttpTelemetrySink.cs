using System.Net.Http.Json;
using System.Threading.Channels;
using Scheduler.Domain.Workloads;

namespace Scheduler.Trainer.Telemetry;

/// <summary>
/// Posts samples to the control plane from a background loop. The buffer is bounded (the oldest sample is dropped when
/// it is full) and each sample is retried with exponential backoff, so an unreachable endpoint costs memory for at most
/// <c>capacity</c> samples and never slows training. On dispose, what is left is flushed for a bounded time.
/// </summary>
internal sealed class HttpTelemetrySink : ITelemetrySink
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly TimeProvider _time;
    private readonly TextWriter _log;
    private readonly TimeSpan _firstRetryDelay;
    private readonly TimeSpan _flushTimeout;
    private readonly Channel<TelemetrySample> _buffer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private bool _reportedFailure;

    public const int MaxAttemptsPerSample = 5;

    public HttpTelemetrySink(
        HttpClient http, Uri endpoint, TimeProvider time, TextWriter log, int capacity = 256,
        TimeSpan? firstRetryDelay = null, TimeSpan? flushTimeout = null)
    {
        _http = http;
        _endpoint = endpoint;
        _time = time;
        _log = log;
        _firstRetryDelay = firstRetryDelay ?? TimeSpan.FromMilliseconds(500);
        _flushTimeout = flushTimeout ?? TimeSpan.FromSeconds(5);
        _buffer = Channel.CreateBounded<TelemetrySample>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _pump = Task.Run(PumpAsync);
    }

    public void Report(TelemetrySample sample) => _buffer.Writer.TryWrite(sample);

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var sample in _buffer.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await SendWithRetriesAsync(sample).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task SendWithRetriesAsync(TelemetrySample sample)
    {
        var delay = _firstRetryDelay;
        for (var attempt = 1; attempt <= MaxAttemptsPerSample; attempt++)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync(_endpoint, sample, TelemetrySample.Json, _stop.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    _reportedFailure = false;
                    return;
                }

                Warn($"telemetry: {_endpoint} answered {(int)response.StatusCode}");
            }
            catch (HttpRequestException ex)
            {
                Warn($"telemetry: {_endpoint} unreachable ({ex.Message}); training continues");
            }
            catch (TaskCanceledException) when (!_stop.IsCancellationRequested)
            {
                Warn($"telemetry: {_endpoint} timed out; training continues");
            }

            await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    private void Warn(string message)
    {
        if (!_reportedFailure)
        {
            _log.WriteLine(message);
            _reportedFailure = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _buffer.Writer.TryComplete();
        await Task.WhenAny(_pump, Task.Delay(_flushTimeout, _time)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
