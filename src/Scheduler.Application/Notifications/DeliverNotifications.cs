using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduler.Application.Common;
using Scheduler.Persistence;
using Scheduler.Persistence.Notifications;

namespace Scheduler.Application.Notifications;

/// <summary>
/// One pass of the outbox: claims due deliveries with <c>FOR UPDATE SKIP LOCKED</c> (so replicas never post the same row at
/// once), posts each, records the attempt and commits. A process that dies mid-pass holds no lock afterwards: its rows are
/// claimed again and posted (at least once; receivers deduplicate on <c>X-Scheduler-Delivery</c>).
/// </summary>
internal sealed class DeliverNotifications(SchedulerDbContext db, NotificationSender sender, TimeProvider clock, IOptions<NotificationOptions> options)
{
    /// <summary>Delivers what is due; answers how many rows it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.StoreNow();
        var due = await db.NotificationDeliveries
            .FromSql($"""
                SELECT * FROM notification_deliveries
                WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= {now}
                ORDER BY next_attempt_at LIMIT {settings.BatchSize} FOR UPDATE SKIP LOCKED
                """)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var names = await db.Jobs.AsNoTracking().Where(j => due.Select(d => d.JobId).Contains(j.Id))
            .Select(j => new { j.Id, j.Name, j.Queue }).ToDictionaryAsync(j => j.Id, cancellationToken);
        foreach (var delivery in due)
        {
            var job = names.GetValueOrDefault(delivery.JobId);
            delivery.Attempts++;
            var outcome = await sender.SendAsync(delivery, job?.Name ?? string.Empty, job?.Queue ?? string.Empty, cancellationToken);
            var at = clock.StoreNow();
            delivery.LastAttemptAt = at;
            delivery.LastStatus = outcome.Status;
            delivery.LastError = outcome.Error;
            if (outcome.Delivered)
            {
                delivery.DeliveredAt = at;
            }
            else if (delivery.Attempts >= settings.MaxAttempts)
            {
                delivery.GaveUpAt = at;
            }
            else
            {
                delivery.NextAttemptAt = at + settings.BackoffAfter(delivery.Attempts);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return due.Count;
    }
}

/// <summary>What one call came to: delivered on 2xx; otherwise the status (if any) and why.</summary>
internal sealed record DeliveryOutcome(bool Delivered, int? Status, string? Error);

/// <summary>Posts one delivery's JSON body, signed when a secret is configured.</summary>
internal sealed class NotificationSender(IOptions<NotificationOptions> options) : IDisposable
{
    public const string DeliveryHeader = "X-Scheduler-Delivery";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // One client for the process: pooled connections, renewed so DNS changes of receivers are seen.
    private readonly HttpClient _client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<DeliveryOutcome> SendAsync(NotificationDelivery delivery, string name, string queue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new NotificationBody(delivery.JobId, name, queue, delivery.Event, delivery.Reason, delivery.At, delivery.Attempts), Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(DeliveryHeader, delivery.Id.ToString());
        if (options.Value.Secret is { Length: > 0 } secret)
        {
            request.Headers.Add(NotificationSignature.Header, NotificationSignature.Sign(secret, body));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? new DeliveryOutcome(true, status, null) : new DeliveryOutcome(false, status, $"the receiver answered {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryOutcome(false, null, $"no answer within {options.Value.Timeout}");
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryOutcome(false, null, Truncate(ex.Message));
        }
    }

    public void Dispose() => _client.Dispose();

    private static string Truncate(string message) => message.Length <= 1024 ? message : message[..1024];
}

/// <summary>The JSON a webhook receives.</summary>
public sealed record NotificationBody(Guid JobId, string Name, string Queue, string Event, string Reason, DateTimeOffset At, int Attempt);
