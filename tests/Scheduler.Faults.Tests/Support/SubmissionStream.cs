using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduler.Admission;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Faults.Tests.Support;

/// <summary>
/// A client submitting jobs one after another, as a careful user does: each submission carries an <c>Idempotency-Key</c>
/// and is retried (same key, same spec) until the control plane acknowledges it (201, or 200 for a resubmission it
/// recognises); 503, 429 and refused connections are retried. Keeps every acknowledged job and every answer it got.
/// </summary>
internal sealed class SubmissionStream : IAsyncDisposable
{
    public const string Queue = "research";

    private readonly Func<HttpClient> _client;
    private readonly string _prefix;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Guid> _acknowledged = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private readonly Task _running;

    private SubmissionStream(Func<HttpClient> client, string prefix, TimeSpan runtime)
    {
        _client = client;
        _prefix = prefix;
        _running = RunAsync(runtime, _stop.Token);
    }

    /// <summary>Acknowledged jobs: name → id.</summary>
    public IReadOnlyDictionary<string, Guid> Acknowledged => _acknowledged;

    /// <summary>How often each answer came: a status code, or <c>refused</c>/<c>timeout</c> for a connection that gave none.</summary>
    public IReadOnlyDictionary<string, int> Answers => _answers;

    /// <summary>Answers that no fault explains (a 500, a 4xx for a valid spec), with their bodies.</summary>
    public IReadOnlyCollection<string> Unexpected => _unexpected;

    /// <summary>Starts submitting at once through the client <paramref name="client"/> gives (asked again after each failure).</summary>
    public static SubmissionStream Start(Func<HttpClient> client, string prefix, TimeSpan runtime) => new(client, prefix, runtime);

    /// <summary>Stops after the submission in flight (acknowledged or abandoned).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
    }

    /// <summary>A one-GPU job that runs for about <paramref name="real"/> under the simulated clock, changed by <paramref name="change"/>.</summary>
    public static string Spec(string name, TimeSpan real, Func<JobSpec, JobSpec>? change = null)
    {
        var spec = JobSpecBuilder.AJob(name).InQueue(Queue).With(change ?? (s => s)).Build();
        var hours = new Estimator(GpuCatalog.Default).Estimate(JobSpecNormalizer.Normalize(spec)).WallHours;
        var simulatedHours = real.TotalSeconds * FaultCluster.ClockSpeed / 3600;
        return JobSpecJson.Serialize(spec with { Training = spec.Training! with { Tokens = Math.Round(spec.Training.Tokens!.Value * simulatedHours / hours) } });
    }

    /// <summary>The pause between one acknowledged submission and the next.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(250);

    private async Task RunAsync(TimeSpan runtime, CancellationToken ct)
    {
        await Task.Yield();
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            var name = $"{_prefix}-{i}";
            var body = Spec(name, runtime);
            while (!ct.IsCancellationRequested && !await SubmitAsync(name, body, ct))
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            // A steady stream, not a flood: well under what the scenarios' GPUs drain (16 GPUs of 1.5 s jobs take ~10 a second),
            // so the jobs left to finish after a fault do not grow with how slow the machine is.
            try
            {
                await Task.Delay(Pace, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> SubmitAsync(string name, string body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", name);
        try
        {
            using var response = await _client().SendAsync(request, ct);
            Count(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            switch (response.StatusCode)
            {
                case HttpStatusCode.Created or HttpStatusCode.OK:
                    var job = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                    _acknowledged[name] = job.GetProperty("id").GetGuid();
                    return true;
                case HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests:
                    return false;
                default:
                    _unexpected.Enqueue($"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                    return false;
            }
        }
        catch (HttpRequestException)
        {
            Count("refused");
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            Count("timeout");
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Count(string answer) => _answers.AddOrUpdate(answer, 1, (_, n) => n + 1);

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
